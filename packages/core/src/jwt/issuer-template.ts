import { InvalidTokenError } from '../errors.js';
import { type JsonObject, own } from '../lib/json.js';
import { fail, list } from '../lib/validate.js';

/** The placeholder of a multi-tenant issuer, as Microsoft Entra ID's metadata writes it. */
export const TENANT_PLACEHOLDER = '{tenantid}';

/**
 * A multi-tenant issuer such as `https://login.microsoftonline.com/{tenantid}/v2.0`: the part
 * before and after the placeholder.
 */
export interface IssuerTemplate {
  readonly template: string;
  readonly prefix: string;
  readonly suffix: string;
}

/** A trusted issuer an issuer entry stands for, and the tenant it is bound to (templates only). */
export interface ExpandedIssuer {
  readonly issuer: string;
  readonly tenant: { readonly claim: string; readonly value: string } | undefined;
}

// A tenant id as it stands in an issuer path: Entra's are GUIDs.
const TENANT = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The issuers an issuer entry stands for. A plain issuer stands for itself. A template (one
 * `{tenantid}` in its path) stands for one issuer per allowed tenant: `tenants` is required, so
 * that a multi-tenant issuer never means "any tenant", and so is `jwksUri` (a template has no
 * discovery document). Each expanded issuer is bound to its tenant: the token's `tenantClaim`
 * (default `tid`) must name the same tenant as its `iss` (Microsoft's issuer validation for
 * multi-tenant applications).
 */
export function expandIssuerEntry(
  entry: { issuer: string; jwksUri?: string; tenants?: unknown; tenantClaim?: unknown },
  optionName: (member: string) => string,
): { issuers: ExpandedIssuer[]; template: IssuerTemplate | undefined } {
  const at = entry.issuer.indexOf(TENANT_PLACEHOLDER);
  if (at === -1) {
    if (entry.tenants !== undefined || entry.tenantClaim !== undefined) {
      fail(`"${optionName('tenants')}" needs an issuer template with ${TENANT_PLACEHOLDER}`);
    }
    return { issuers: [{ issuer: entry.issuer, tenant: undefined }], template: undefined };
  }
  const prefix = entry.issuer.slice(0, at);
  const suffix = entry.issuer.slice(at + TENANT_PLACEHOLDER.length);
  if (
    suffix.includes(TENANT_PLACEHOLDER) ||
    !/^https?:\/\/[^/]+\/(.*\/)?$/.test(prefix) ||
    (suffix !== '' && !suffix.startsWith('/'))
  ) {
    fail(
      `"${optionName('issuer')}" may hold ${TENANT_PLACEHOLDER} once, as a path segment, e.g. https://login.microsoftonline.com/${TENANT_PLACEHOLDER}/v2.0`,
    );
  }
  if (entry.tenants === undefined) {
    fail(
      `"${optionName('tenants')}" is required with an issuer template: the tenant ids whose tokens are accepted (never any tenant); use "issuers: [{ issuer, jwksUri, tenants }]"`,
    );
  }
  const tenants = list(entry.tenants, optionName('tenants'));
  if (tenants.length === 0 || !tenants.every((tenant) => TENANT.test(tenant))) {
    fail(
      `"${optionName('tenants')}" must be a non-empty list of tenant ids (letters, digits, ".", "_", "-")`,
    );
  }
  if (entry.jwksUri === undefined) {
    fail(
      `"${optionName('jwksUri')}" is required with an issuer template (it has no discovery document)`,
    );
  }
  const claim = entry.tenantClaim ?? 'tid';
  if (typeof claim !== 'string' || claim.length === 0) {
    fail(`"${optionName('tenantClaim')}" must be a claim name`);
  }
  return {
    issuers: [...new Set(tenants)].map((value) => ({
      issuer: `${prefix}${value}${suffix}`,
      tenant: Object.freeze({ claim: claim as string, value }),
    })),
    template: Object.freeze({ template: entry.issuer, prefix, suffix }),
  };
}

/** Whether `iss` has the shape of a template's issuers (some tenant, allowed or not). */
export function matchesTemplate(template: IssuerTemplate, iss: string): boolean {
  if (iss.length <= template.prefix.length + template.suffix.length) return false;
  if (!iss.startsWith(template.prefix) || !iss.endsWith(template.suffix)) return false;
  const tenant = iss.slice(template.prefix.length, iss.length - template.suffix.length);
  return TENANT.test(tenant);
}

/** A token's tenant claim must name the tenant its issuer is bound to. */
export function checkTenant(
  payload: JsonObject,
  tenant: { readonly claim: string; readonly value: string },
): void {
  if (own(payload, tenant.claim) !== tenant.value)
    throw new InvalidTokenError('jwt.iss_tenant_mismatch');
}
