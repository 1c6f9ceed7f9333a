// Koa 2, installed under the alias "koa2" for the tests; its API as far as the tests use it is Koa 3's.
declare module 'koa2' {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the form a CommonJS module's types take
  import Koa = require('koa');
  export = Koa;
}
