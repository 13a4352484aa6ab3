// The idle-memory bench's baseline: a bare fastify + @fastify/websocket server answering one
// WebSocket route, plain JavaScript under plain node (as the built hub runs).
import Fastify from 'fastify';
import websocket from '@fastify/websocket';

const app = Fastify();
await app.register(websocket);
app.get('/hub', { websocket: true }, (socket) => socket.on('message', (m) => socket.send(m)));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening ${address}`);
