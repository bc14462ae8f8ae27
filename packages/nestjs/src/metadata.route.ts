import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ProtectedResourceMetadata } from '@tokenguard/core';
import { RESOURCE_METADATA } from './constants.js';

/** @internal The document and the path it is served at. */
export interface ResourceMetadata {
  path: string;
  document: ProtectedResourceMetadata;
}

/**
 * Serves the core guard's RFC 9728 protected-resource metadata as JSON at its well-known path:
 * `/.well-known/oauth-protected-resource` plus the path of the guard's `resource`
 * (`https://api.example.com/v1` → `/.well-known/oauth-protected-resource/v1`), the URL the
 * `resource_metadata` attribute of every challenge points to.
 *
 * A route on the HTTP adapter (as `@nestjs/swagger` serves its documents), not a controller:
 * - the path depends on the `resource`, which `forRootAsync()` only knows once its factory ran,
 *   while a controller's path is fixed when the class is declared, and the one wildcard that
 *   would cover every resource path is spelled differently on Express (`*path`) and Fastify
 *   (`*`);
 * - the document belongs at the origin's root whatever `setGlobalPrefix()` says, is public
 *   whatever other global guards the application has, and must not be reshaped by a global
 *   interceptor.
 *
 * Registered in `onModuleInit`, which Nest runs after the controllers' routes and before its 404
 * handler. Nothing is registered without an HTTP adapter (a standalone application context, a
 * microservice) or without a `resource`.
 */
@Injectable()
export class ProtectedResourceMetadataRoute implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(RESOURCE_METADATA) private readonly metadata: ResourceMetadata | undefined,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter === undefined || adapter === null || this.metadata === undefined) return;
    const { path, document } = this.metadata;
    adapter.get(path, (_request: unknown, response: unknown) => {
      adapter.reply(response, document, 200);
    });
  }
}
