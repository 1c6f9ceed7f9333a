// Express 4, installed under the alias "express4" for the tests; its API as far as the tests use it is Express 5's.
declare module 'express4' {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the form a CommonJS module's types take
  import express = require('express');
  export = express;
}
