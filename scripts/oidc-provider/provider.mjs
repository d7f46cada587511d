// A real OpenID provider for Tessera's tests (oidc-provider with its development login pages).
// Usage: node provider.mjs PORT REDIRECT_URI [KEY_SEED]
// Any login name signs in, as account NAME with email NAME@example.test; KEY_SEED picks a fresh
// signing key, so restarting with another seed rotates the provider's keys.
import Provider from 'oidc-provider';
import { generateKeyPairSync } from 'node:crypto';

const [port, redirectUri, seed = 'one'] = process.argv.slice(2);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `key-${seed}`, use: 'sig', alg: 'RS256' };
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: 'tessera-test',
    client_secret: 'tessera-test-secret',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: `${id}@example.test`, email_verified: true, name: `Test ${id}`, org: 'oidc-uni' }),
  }),
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'org'] },
  features: { devInteractions: { enabled: true } },
});
provider.listen(Number(port), '127.0.0.1', () => console.log(`listening ${issuer}`));
