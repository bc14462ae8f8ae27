// Express 4 is installed under the alias `express4` so both majors are tested; its API is typed
// with Express 5's types, which cover everything these tests use.
declare module 'express4' {
  import express from 'express';

  export default express;
}
