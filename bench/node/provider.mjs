// Benchmark peer for bench/run.py: the certified `oidc-provider` (v9) with a client that
// matches Lokal IdP's bench client, served by a node `cluster` of BENCH_WORKERS processes
// (1 = one plain process, no cluster).
//
// An admin server (BENCH_ADMIN_PORT, primary process) pre-creates what the load needs:
//   GET  /ready                 200 once every worker listens
//   POST /seed/codes?n=N        N single-use authorization codes with PKCE (S256); writes
//                               "code verifier" lines to a file and answers {file, count}
//   POST /seed/access-token     an access token (scope openid profile email) for UserInfo
//
// Storage (BENCH_STORE):
//   memory    a Map per process (the built-in MemoryAdapter is an LRU of 1000 entries, too
//             small for seeding). Seeded artefacts are written into every worker with the
//             same ids, so any worker can redeem any code once.
//   postgres  one table shared by the workers (BENCH_PG_URL, BENCH_PG_SCHEMA); accounts
//             are read from the database too.
import cluster from 'node:cluster';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import Provider from 'oidc-provider';

const env = process.env;
const PORT = Number(env.BENCH_PORT);
const ADMIN_PORT = Number(env.BENCH_ADMIN_PORT);
const WORKERS = Number(env.BENCH_WORKERS || 2);
const STORE = env.BENCH_STORE || 'memory';
const WORKDIR = env.BENCH_WORKDIR;
const ISSUER = `http://127.0.0.1:${PORT}`;
const CLIENT_ID = env.BENCH_CLIENT_ID;
const CLIENT_SECRET = env.BENCH_CLIENT_SECRET;
const REDIRECT_URI = env.BENCH_REDIRECT_URI;
const ACCOUNT_ID = 'bench-user-1';
const SCOPE = 'openid profile email';
const ACR = 'https://data.gov.dk/concept/core/nsis/loa/Substantial';

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const randomId = () => b64url(crypto.randomBytes(32)); // 43 characters, 256 bits

// -- storage -----------------------------------------------------------------------------
const grantable = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest']);

const memory = new Map(); // "Model:id" -> { payload, expiresAt }
const memoryGrants = new Map(); // grantId -> Set of keys

class MapAdapter {
  constructor(model) { this.model = model; }

  key(id) { return `${this.model}:${id}`; }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
    memory.set(key, { payload, expiresAt });
    if (grantable.has(this.model) && payload.grantId) {
      if (!memoryGrants.has(payload.grantId)) memoryGrants.set(payload.grantId, new Set());
      memoryGrants.get(payload.grantId).add(key);
    }
  }

  async upsertMany(items) {
    for (const [id, payload, expiresIn] of items) await this.upsert(id, payload, expiresIn);
  }

  async find(id) {
    const entry = memory.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      memory.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    for (const [key, entry] of memory) {
      if (key.startsWith(`${this.model}:`) && entry.payload.uid === uid) return entry.payload;
    }
    return undefined;
  }

  async findByUserCode(userCode) {
    for (const [key, entry] of memory) {
      if (key.startsWith(`${this.model}:`) && entry.payload.userCode === userCode) {
        return entry.payload;
      }
    }
    return undefined;
  }

  async consume(id) {
    const entry = memory.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) { memory.delete(this.key(id)); }

  async revokeByGrantId(grantId) {
    for (const key of memoryGrants.get(grantId) || []) memory.delete(key);
    memoryGrants.delete(grantId);
  }
}

function sweepMemory() {
  const now = Date.now();
  for (const [key, entry] of memory) {
    if (entry.expiresAt <= now) memory.delete(key);
  }
}

let pool;

async function pgPool() {
  if (!pool) {
    const { default: pg } = await import('pg');
    pool = new pg.Pool({
      connectionString: env.BENCH_PG_URL,
      options: `-c search_path=${env.BENCH_PG_SCHEMA}`,
      max: 10,
    });
  }
  return pool;
}

const UPSERT = `INSERT INTO oidc_model (model, id, payload, grant_id, user_code, uid, expires_at)
  SELECT $1, x.id, x.payload, x.payload->>'grantId', x.payload->>'userCode', x.payload->>'uid',
         CASE WHEN x.ttl IS NULL THEN NULL ELSE now() + make_interval(secs => x.ttl) END
  FROM unnest($2::text[], $3::jsonb[], $4::int[]) AS x(id, payload, ttl)
  ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload,
    grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid,
    expires_at = excluded.expires_at, consumed_at = NULL`;

class PgAdapter {
  constructor(model) { this.model = model; }

  async upsert(id, payload, expiresIn) { await this.upsertMany([[id, payload, expiresIn]]); }

  async upsertMany(items) {
    for (let i = 0; i < items.length; i += 2000) {
      const chunk = items.slice(i, i + 2000);
      await pool.query(UPSERT, [this.model, chunk.map((x) => x[0]),
        chunk.map((x) => JSON.stringify(x[1])),
        chunk.map((x) => (typeof x[2] === 'number' ? Math.ceil(x[2]) : null))]);
    }
  }

  async findBy(column, value) {
    const { rows } = await pool.query(
      `SELECT payload, consumed_at FROM oidc_model WHERE model = $1 AND ${column} = $2
       AND (expires_at IS NULL OR expires_at > now())`, [this.model, value]);
    if (!rows.length) return undefined;
    const { payload, consumed_at: consumed } = rows[0];
    if (consumed) payload.consumed = Math.floor(consumed.getTime() / 1000);
    return payload;
  }

  find(id) { return this.findBy('id', id); }

  findByUid(uid) { return this.findBy('uid', uid); }

  findByUserCode(userCode) { return this.findBy('user_code', userCode); }

  async consume(id) {
    await pool.query('UPDATE oidc_model SET consumed_at = now() WHERE model = $1 AND id = $2',
      [this.model, id]);
  }

  async destroy(id) {
    await pool.query('DELETE FROM oidc_model WHERE model = $1 AND id = $2', [this.model, id]);
  }

  async revokeByGrantId(grantId) {
    await pool.query('DELETE FROM oidc_model WHERE grant_id = $1', [grantId]);
  }
}

async function prepareDatabase() {
  const db = await pgPool();
  await db.query(`CREATE TABLE IF NOT EXISTS oidc_model (
    model text NOT NULL, id text NOT NULL, payload jsonb NOT NULL, grant_id text,
    user_code text, uid text, expires_at timestamptz, consumed_at timestamptz,
    PRIMARY KEY (model, id))`);
  await db.query('CREATE INDEX IF NOT EXISTS oidc_model_grant ON oidc_model (grant_id)');
  await db.query(`CREATE TABLE IF NOT EXISTS oidc_account (
    id text PRIMARY KEY, claims jsonb NOT NULL)`);
  await db.query(`INSERT INTO oidc_account (id, claims) VALUES ($1, $2)
    ON CONFLICT (id) DO NOTHING`, [ACCOUNT_ID, JSON.stringify(accountClaims(ACCOUNT_ID))]);
}

// -- accounts ----------------------------------------------------------------------------
function accountClaims(sub) {
  return {
    sub, name: 'Anna Jensen', given_name: 'Anna', family_name: 'Jensen',
    email: 'anna@example.dk', email_verified: true,
  };
}

async function findAccount(_ctx, id) {
  let claims;
  if (STORE === 'postgres') {
    const { rows } = await pool.query('SELECT claims FROM oidc_account WHERE id = $1', [id]);
    claims = rows[0]?.claims;
  } else if (id === ACCOUNT_ID) {
    claims = accountClaims(id);
  }
  if (!claims) return undefined;
  return { accountId: id, claims: async () => claims };
}

// -- the provider (each worker) ----------------------------------------------------------
async function startProvider() {
  if (STORE === 'postgres') await pgPool();
  else setInterval(sweepMemory, 5000).unref();

  const provider = new Provider(ISSUER, {
    adapter: STORE === 'postgres' ? PgAdapter : MapAdapter,
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: JSON.parse(env.BENCH_JWKS),
    cookies: { keys: [env.BENCH_COOKIE_KEY] },
    findAccount,
    claims: {
      // acr, amr and auth_time of the authentication, as in Lokal IdP's ID tokens.
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      profile: ['name', 'given_name', 'family_name'],
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    acrValues: [ACR],
    // Like Lokal IdP: profile/email claims in the ID token, a refresh token whenever the
    // client may use the grant, PKCE for every client, the same lifetimes.
    conformIdTokenClaims: false,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    pkce: { required: () => true },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
    },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      Grant: 2592000,
      IdToken: 600,
      Interaction: 3600,
      RefreshToken: 2592000,
      Session: 3600,
    },
  });

  const client = await provider.Client.find(CLIENT_ID);

  // Each seeding gets its own grant (as each login would), so that a code redeemed twice,
  // which revokes its grant, cannot spoil another row.
  async function seed(message) {
    const { grantId } = message;
    const grant = new provider.Grant({ jti: grantId, accountId: ACCOUNT_ID, clientId: CLIENT_ID });
    grant.addOIDCScope(SCOPE);
    await grant.save();
    if (message.kind === 'codes') {
      const authTime = Math.floor(Date.now() / 1000);
      const items = [];
      for (const { jti, challenge, nonce } of message.codes) {
        const code = new provider.AuthorizationCode({
          jti, client, accountId: ACCOUNT_ID, grantId, scope: SCOPE,
          redirectUri: REDIRECT_URI, codeChallenge: challenge, codeChallengeMethod: 'S256',
          nonce, acr: ACR, amr: ['pwd', 'otp'], authTime, expiresWithSession: false,
        });
        const { payload } = await code.getValueAndPayload();
        items.push([jti, payload, code.expiration]);
      }
      await provider.AuthorizationCode.adapter.upsertMany(items);
    } else if (message.kind === 'access-token') {
      const token = new provider.AccessToken({
        jti: message.jti, client, accountId: ACCOUNT_ID, grantId,
        scope: SCOPE, gty: 'authorization_code', expiresWithSession: false,
      });
      token.format = 'opaque'; // set by generateTokenId, which a given jti skips
      await token.save();
    }
  }

  await new Promise((resolve) => { provider.listen(PORT, '127.0.0.1', resolve); });
  return seed;
}

// -- admin server and orchestration (primary) -------------------------------------------
function makeCodes(n) {
  const codes = [];
  for (let i = 0; i < n; i += 1) {
    const verifier = randomId();
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    codes.push({ jti: randomId(), verifier, challenge, nonce: `n-${i}` });
  }
  return codes;
}

function adminServer(dispatch, isReady) {
  let fileNumber = 0;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://admin');
    const reply = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === 'GET' && url.pathname === '/ready') {
        reply(isReady() ? 200 : 503, { ready: isReady() });
      } else if (req.method === 'POST' && url.pathname === '/seed/codes') {
        const codes = makeCodes(Number(url.searchParams.get('n') || 1000));
        await dispatch({
          kind: 'codes', grantId: randomId(), codes: codes.map(({ verifier, ...rest }) => rest),
        });
        fileNumber += 1;
        const file = path.join(WORKDIR, `node-codes-${fileNumber}.txt`);
        fs.writeFileSync(file, codes.map((c) => `${c.jti} ${c.verifier}\n`).join(''));
        reply(200, { file, count: codes.length });
      } else if (req.method === 'POST' && url.pathname === '/seed/access-token') {
        const jti = randomId();
        await dispatch({ kind: 'access-token', grantId: randomId(), jti });
        reply(200, { access_token: jti });
      } else {
        reply(404, { error: 'not found' });
      }
    } catch (error) {
      reply(500, { error: String(error?.stack || error) });
    }
  });
  server.listen(ADMIN_PORT, '127.0.0.1');
}

function makeKeys() {
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return {
    keys: [
      { ...rsa.export({ format: 'jwk' }), kid: 'bench-rs256', alg: 'RS256', use: 'sig' },
      { ...ec.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' },
    ],
  };
}

async function main() {
  if (cluster.isPrimary) {
    // Shared by every worker: signing keys and cookie key.
    env.BENCH_JWKS = JSON.stringify(makeKeys());
    env.BENCH_COOKIE_KEY = randomId();
    if (STORE === 'postgres') await prepareDatabase();
  }

  if (WORKERS <= 1) {
    const seed = await startProvider();
    adminServer(seed, () => true);
    return;
  }

  if (!cluster.isPrimary) {
    const seed = await startProvider();
    process.on('message', async (message) => {
      try {
        await seed(message);
        process.send({ type: 'seeded', id: message.id });
      } catch (error) {
        process.send({ type: 'seeded', id: message.id, error: String(error?.stack || error) });
      }
    });
    process.send({ type: 'ready' });
    return;
  }

  const workers = [];
  let ready = 0;
  let nextId = 0;
  const waiting = new Map();
  for (let i = 0; i < WORKERS; i += 1) {
    const worker = cluster.fork();
    workers.push(worker);
    worker.on('message', (message) => {
      if (message.type === 'ready') ready += 1;
      if (message.type === 'seeded') waiting.get(message.id)?.(message);
    });
  }
  cluster.on('exit', (worker, code, signal) => {
    console.error(`worker ${worker.process.pid} exited (${signal || code})`);
    process.exit(1);
  });

  const sendTo = (worker, message) => new Promise((resolve, reject) => {
    nextId += 1;
    const id = nextId;
    waiting.set(id, (answer) => {
      waiting.delete(id);
      if (answer.error) reject(new Error(answer.error));
      else resolve();
    });
    worker.send({ ...message, id });
  });
  // Memory: every worker holds a copy. Postgres: one write reaches every worker.
  const dispatch = (message) => Promise.all(
    (STORE === 'postgres' ? workers.slice(0, 1) : workers).map((w) => sendTo(w, message)),
  );
  adminServer(dispatch, () => ready === WORKERS);
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      for (const worker of workers) worker.process.kill('SIGTERM');
      process.exit(0);
    });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
