// `{{name}}`: a remote transform plugin that upper-cases message payloads,
// tags each message with a header, and drops empty messages.
//
//   npm install && npm start     # listens on POLYPLUG_LISTEN, else 127.0.0.1:8080

import { ok } from '@polyplug/remote';
import { serveTransform } from '@polyplug/remote/worlds/transform';

await serveTransform(
  {
    transform(input) {
      if (input.payload === '') return ok(null);
      return ok({
        payload: input.payload.toUpperCase(),
        contentType: input.contentType,
        headers: [...input.headers, ['x-transformed-by', '{{name}}']],
      });
    },
  },
  {
    name: '{{name}}',
    version: '0.1.0',
    description: 'Upper-cases message payloads and drops empty messages',
    idempotent: ['transformer/transform'],
  },
);
