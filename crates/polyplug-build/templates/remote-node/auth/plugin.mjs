// `{{name}}`: a remote auth plugin that lets in requests carrying the API key
// of its configuration (`api-key` in POLYPLUG_CONFIG, a JSON object of
// strings: POLYPLUG_CONFIG='{"api-key": "let-me-in"}').
//
//   npm install && npm start     # listens on POLYPLUG_LISTEN, else 127.0.0.1:8080

import { configFromEnv, ok, PluginError } from '@polyplug/remote';
import { serveAuth } from '@polyplug/remote/worlds/auth';

const apiKey = new Map(configFromEnv()).get('api-key') || null;

const deny = (reason) => ok({ tag: 'deny', val: { status: 401, reason } });

await serveAuth(
  {
    authenticate(_context, credentials) {
      if (apiKey === null) {
        throw new PluginError('FAILED_PRECONDITION', 'set `api-key` in the plugin\'s configuration (POLYPLUG_CONFIG)');
      }
      if (credentials.tag !== 'api-key') return deny('missing API key');
      if (credentials.val !== apiKey) return deny('invalid API key');
      return ok({ tag: 'allow', val: { id: 'api-key', roles: ['user'], claims: [] } });
    },
  },
  {
    name: '{{name}}',
    version: '0.1.0',
    description: 'Lets in requests carrying the API key its configuration holds',
    idempotent: ['authenticator/authenticate'],
  },
);
