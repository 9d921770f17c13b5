// A bare Node `http` JSON echo: the baseline the remote Node SDK is measured
// against (crates/polyplug-remote/benches/remote_latency.rs). It answers
// POST /echo with the JSON body it was sent, parsed and serialised again.
import http from 'node:http';

const [host, port] = (process.env.POLYPLUG_LISTEN ?? '127.0.0.1:0').split(/:(?=[^:]*$)/);
const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), host, () => {
  const address = server.address();
  console.log(`polyplug-remote listening on http://${address.address}:${address.port}`);
});
