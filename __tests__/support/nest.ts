import 'reflect-metadata';
import { Module, type Type } from '@nestjs/common';

/** The smallest Nest application module: no controllers, what an app adds the webhook to. */
export function emptyNestModule(): Type<unknown> {
  // eslint-disable-next-line @typescript-eslint/no-extraneous-class -- Nest reads a module's metadata from a class
  class AppModule {}
  Module({})(AppModule);
  return AppModule;
}
