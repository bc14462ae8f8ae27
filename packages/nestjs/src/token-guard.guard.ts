import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  type AuthContext,
  type AuthError,
  type AuthRequirements,
  type TokenGuard as CoreTokenGuard,
  composeRequirements,
  isAuthError,
  type RequestView,
  type TokenRequest,
} from '@tokenguard/core';
import {
  authenticateNow,
  authenticateRequest,
  pickRequirements,
  recordUnchecked,
  routeRequirements,
} from '@tokenguard/core/adapter';
import { ClaimsMetadata } from './claims.decorator.js';
import { TOKEN_GUARD } from './constants.js';
import { toHttpException } from './http-exception.js';
import { AccessMetadata } from './public.decorator.js';
import { readerFor, setResponseHeaders, toRequestView } from './request.js';
import { AnyScopesMetadata, ScopesMetadata } from './scopes.decorator.js';

const OPTIONAL: Readonly<AuthRequirements> = Object.freeze({ optional: true });

/** A controller class or a handler function, as Nest's `Reflector` takes them. */
type Target = Parameters<Reflector['get']>[1];

const nameOf = (target: Target): string => (target as { name?: string }).name || 'anonymous';

/** How one handler is protected: resolved once from its decorators and its controller's. */
interface Route {
  readonly public: boolean;
  /** The same object on every request, so that core compiles it once. */
  readonly requirements: Readonly<AuthRequirements>;
}

/**
 * A Nest guard that authenticates the request with the module's core guard (`TOKEN_GUARD`) and
 * checks the route's requirements there: `@Scopes()`, `@AnyScopes()`, `@Claims()`, `@Public()`
 * and `@OptionalAuth()`, from the handler and its controller (see the README for the precedence
 * rules). The decisions are core's; this class translates.
 *
 * - Accepted: `@Auth()` gives the `AuthContext`, `req.auth` is set, and core's response headers
 *   (a fresh `DPoP-Nonce`, `Cache-Control` for a query token) are added to the response.
 * - Rejected: core's headers (`WWW-Authenticate`, `Retry-After`, …) are set on the response, then
 *   the built-in `HttpException` of the status is thrown (`UnauthorizedException`,
 *   `ForbiddenException`, `BadRequestException`, `ServiceUnavailableException`) with the RFC 6750
 *   body `{ error, error_description }` (none for a request without credentials) and core's
 *   `AuthError` as its `cause`, so your exception filters see it.
 *
 * Works on the Express and the Fastify platform. Use it per controller with
 * `@UseGuards(TokenGuard)` (the module must be imported, or `isGlobal`), or for the whole
 * application with `TokenGuardModule.forRoot({ global: true })`. It does NOT check anything the
 * application knows better (that the user still exists, owns the order…).
 *
 * Subclass it to support another context type or to change how requirements are found: override
 * {@link TokenGuard.getRequest}, {@link TokenGuard.getResponse},
 * {@link TokenGuard.getRequirements}, {@link TokenGuard.isPublic},
 * {@link TokenGuard.toTokenRequest} or {@link TokenGuard.toException}, and inject explicitly
 * (`@Inject(TOKEN_GUARD)`, `@Inject(Reflector)`) if you write a constructor.
 *
 * @example
 * ```ts
 * @UseGuards(TokenGuard)
 * @Controller('orders')
 * export class OrdersController {
 *   @Scopes('orders:read')
 *   @Get()
 *   list(@Auth() auth: AuthContext) {
 *     return this.orders.visibleTo(auth.principalId);
 *   }
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750
 */
@Injectable()
export class TokenGuard implements CanActivate {
  readonly #routes = new WeakMap<Target, WeakMap<Target, Route>>();

  constructor(
    @Inject(TOKEN_GUARD) protected readonly tokenGuard: CoreTokenGuard,
    @Inject(Reflector) protected readonly reflector: Reflector,
  ) {}

  /**
   * Resolves to `true` for an accepted request, or throws the `HttpException` of a rejection.
   * Answers without a promise when core does (a cached token, keys in memory), so a cache hit
   * costs Nest no extra tick.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = this.getRequest(context);
    const guard = this.tokenGuard;
    if (this.isPublic(context)) {
      // So that @Auth() tells this request from one no TokenGuard saw.
      recordUnchecked(request, guard);
      return true;
    }
    let outcome: AuthContext | undefined | Promise<AuthContext | undefined>;
    try {
      // Another TokenGuard may have authenticated this request already (a global one, then the
      // controller's): core then checks this route's requirements on that principal, since
      // authenticating again would replay a DPoP proof, which is single-use.
      const requirements = this.getRequirements(context);
      outcome =
        this.toTokenRequest === TokenGuard.prototype.toTokenRequest
          ? authenticateNow(guard, request, readerFor(request), requirements)
          : authenticateRequest(guard, request, this.toTokenRequest(request), requirements);
    } catch (error) {
      throw this.#rejected(context, error);
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        (auth) => this.#accepted(context, request, auth),
        (error: unknown) => {
          throw this.#rejected(context, error);
        },
      );
    }
    return this.#accepted(context, request, outcome);
  }

  #accepted(context: ExecutionContext, request: object, auth: AuthContext | undefined): true {
    (request as { auth?: AuthContext }).auth = auth;
    if (auth?.responseHeaders !== undefined) {
      setResponseHeaders(this.getResponse(context), auth.responseHeaders);
    }
    return true;
  }

  #rejected(context: ExecutionContext, error: unknown): unknown {
    if (!isAuthError(error)) return error;
    // On the response first: a filter that renders the exception its own way still sends the
    // challenge, on either platform.
    setResponseHeaders(this.getResponse(context), error.headers);
    return this.toException(error);
  }

  /**
   * The request to authenticate: an Express request, a `FastifyRequest` or a Node
   * `IncomingMessage`. `@Auth()` finds the result by this object. Throws for a context that is not
   * HTTP; override it (with {@link TokenGuard.getResponse}) for GraphQL or WebSockets.
   */
  protected getRequest(context: ExecutionContext): object {
    if (context.getType() !== 'http') {
      throw new Error(
        `tokenguard: TokenGuard handles HTTP requests, not "${context.getType()}"; override getRequest() and getResponse() in a subclass`,
      );
    }
    return context.switchToHttp().getRequest<object>();
  }

  /**
   * Where response headers go: an Express response or a Fastify reply; `undefined` when there is
   * none (headers are then not set).
   */
  protected getResponse(context: ExecutionContext): object | undefined {
    return context.getType() === 'http' ? context.switchToHttp().getResponse<object>() : undefined;
  }

  /**
   * Maps the request to what core authenticates: by default a request view (method, headers and
   * raw headers; the protocol, Host, path, body and client certificate read when core needs
   * them). An override may return a `TokenRequest` with the public `url` instead.
   */
  protected toTokenRequest(request: object): TokenRequest | RequestView {
    return toRequestView(request);
  }

  /** Whether the handler is `@Public()`: then nothing is checked. */
  protected isPublic(context: ExecutionContext): boolean {
    return this.#route(context).public;
  }

  /**
   * The requirements core checks for this handler. The default merges the handler's and the
   * controller's decorators once per handler and returns the same frozen object every time; an
   * override should do the same, so that core compiles each requirements object only once.
   */
  protected getRequirements(context: ExecutionContext): Readonly<AuthRequirements> {
    return this.#route(context).requirements;
  }

  /** What to throw for a rejected request; by default the `HttpException` of its status. */
  protected toException(error: AuthError): unknown {
    return toHttpException(error);
  }

  #route(context: ExecutionContext): Route {
    const controller = context.getClass();
    const handler = context.getHandler();
    let routes = this.#routes.get(controller);
    if (routes === undefined) {
      routes = new WeakMap();
      this.#routes.set(controller, routes);
    }
    let route = routes.get(handler);
    if (route === undefined) {
      route = this.#resolve(handler, controller);
      routes.set(handler, route);
    }
    return route;
  }

  // Requirements compose by core's rule, controller then handler (after the module's own, which
  // core adds): @Scopes() add up, each @AnyScopes() list is its own "one of" group, every
  // @Claims() rule holds. @Public() / @OptionalAuth(): the handler's wins; the controller's
  // applies only to handlers without requirements of their own, so that a handler's @Scopes() is
  // never silently public.
  #resolve(handler: Target, controller: Target): Route {
    const reflector = this.reflector;
    const name = `${nameOf(controller)}.${nameOf(handler)}`;
    const level = (target: Target): Readonly<AuthRequirements> =>
      pickRequirements(
        {
          scopes: reflector.get(ScopesMetadata, target),
          anyScopes: reflector.get(AnyScopesMetadata, target),
          claims: reflector.get(ClaimsMetadata, target),
        },
        name,
      );
    const own = level(handler);
    const ownRequirements =
      own.scopes !== undefined || own.anyScopes !== undefined || own.claims !== undefined;
    const access =
      reflector.get(AccessMetadata, handler) ??
      (ownRequirements ? undefined : reflector.get(AccessMetadata, controller));

    const levels = [level(controller), own, access === 'optional' ? OPTIONAL : undefined];
    // Composed and compiled now, against this guard's configuration, and cached by core under
    // this object. A public route is not checked: nothing of it is.
    const requirements =
      access === 'public'
        ? composeRequirements(...levels)
        : routeRequirements(this.tokenGuard, name, ...levels);
    return { public: access === 'public', requirements };
  }
}
