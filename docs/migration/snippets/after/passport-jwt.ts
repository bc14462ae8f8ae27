// After: @tokenguard/express.
import { authErrorHandler, requireScopes, requireToken } from '@tokenguard/express';
import express from 'express';

const app = express();

app.get(
  '/orders',
  requireToken({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }),
  requireScopes('orders:read'), // 403 insufficient_scope, with the scope in the challenge
  (req, res) => {
    res.json({ orders: [], placedBy: req.auth?.subject });
  },
);

app.use(authErrorHandler());

app.listen(3000);
