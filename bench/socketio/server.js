// The Socket.IO peer of the chat-relay benchmark (bench/run.sh starts two of these on one Redis).
//
// Same semantics as chat-relay's room chat, nothing more:
//   emit("join", room, ack)                  -> socket joins the room, ack({type:"joined", room})
//   emit("send", {room, text, ref}, ack)     -> every member of the room, on every instance, the
//                                               sender included, gets "message" {type, room, id,
//                                               from, text, ts (server time)}; ack({type:"ack", ref, id})
// Cross-instance fan-out, chosen by ADAPTER:
//   pubsub (default): Redis Pub/Sub with @socket.io/redis-adapter; unlike chat-relay, nothing is
//                     stored (no history);
//   streams:          one Redis stream with @socket.io/redis-streams-adapter (XADD, capped at
//                     STREAM_MAXLEN entries) and Socket.IO's connection state recovery (a client
//                     that reconnects within 2 minutes gets what it missed): the Socket.IO setup
//                     that stores messages.
//
// GET /bench/mem runs a full GC (node --expose-gc) and answers process.memoryUsage(), for the
// memory-per-connection measurement.
//
// Environment: PORT (9201), REDIS_URL (redis://127.0.0.1:6379), NODE_ID, SIO_KEY (adapter key prefix
// or stream name), ADAPTER (pubsub|streams), STREAM_MAXLEN (10000).
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");
const { createClient } = require("redis");

const port = Number(process.env.PORT || 9201);
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const node = process.env.NODE_ID || `sio-${port}`;
const ROOM = /^[A-Za-z0-9_.:-]{1,64}$/;
const adapter = process.env.ADAPTER || "pubsub";
const streamMaxLen = Number(process.env.STREAM_MAXLEN || 10000);

async function main() {
  const httpServer = http.createServer((req, res) => {
    if (req.url === "/bench/mem") {
      if (typeof global.gc === "function") {
        global.gc();
      }
      const m = process.memoryUsage();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external,
        arrayBuffers: m.arrayBuffers, connections: io.engine.clientsCount, gc: typeof global.gc === "function" }));
      return;
    }
    if (req.url === "/health") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
      return;
    }
    res.writeHead(404);
    res.end();
  });

  const options = {
    transports: ["websocket"],
    serveClient: false,
    perMessageDeflate: false,
    maxHttpBufferSize: 65536,
  };
  const pub = createClient({ url: redisUrl });
  pub.on("error", (e) => console.error(`[${node}] redis pub: ${e.message}`));
  const clients = [pub];
  if (adapter === "streams") {
    await pub.connect();
    options.connectionStateRecovery = { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: true };
    options.adapter = require("@socket.io/redis-streams-adapter").createAdapter(pub, {
      streamName: process.env.SIO_KEY || "bench-sio", maxLen: streamMaxLen });
  } else if (adapter === "pubsub") {
    const sub = pub.duplicate();
    sub.on("error", (e) => console.error(`[${node}] redis sub: ${e.message}`));
    clients.push(sub);
    await Promise.all([pub.connect(), sub.connect()]);
    options.adapter = require("@socket.io/redis-adapter").createAdapter(pub, sub, { key: process.env.SIO_KEY || "bench-sio" });
  } else {
    throw new Error(`unknown ADAPTER ${adapter} (pubsub|streams)`);
  }
  const io = new Server(httpServer, options);

  let seq = 0;
  io.on("connection", (socket) => {
    const name = String(socket.handshake.query.name || `guest-${socket.id}`);

    socket.on("join", (room, ack) => {
      if (typeof room !== "string" || !ROOM.test(room)) {
        if (typeof ack === "function") ack({ type: "error", code: "bad_room" });
        return;
      }
      socket.join(room);
      if (typeof ack === "function") ack({ type: "joined", room });
    });

    socket.on("send", (msg, ack) => {
      const ref = msg && msg.ref !== undefined ? msg.ref : null;
      if (!msg || typeof msg.room !== "string" || typeof msg.text !== "string" || msg.text.length === 0) {
        if (typeof ack === "function") ack({ type: "error", code: "bad_frame", ref });
        return;
      }
      if (!socket.rooms.has(msg.room)) {
        if (typeof ack === "function") ack({ type: "error", code: "not_member", ref });
        return;
      }
      const ts = Date.now();
      const id = `${ts}-${node}-${++seq}`;
      io.to(msg.room).emit("message", { type: "message", room: msg.room, id, from: name, text: msg.text, ts });
      if (typeof ack === "function") ack({ type: "ack", ref, id });
    });
  });

  httpServer.listen(port, "127.0.0.1", () => {
    console.log(`[${node}] socket.io ${require("socket.io/package.json").version} (${adapter} adapter) listening on 127.0.0.1:${port}, redis ${redisUrl}`);
  });

  const stop = () => {
    io.close();
    Promise.allSettled(clients.map((c) => c.quit())).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e) => {
  console.error(`[${node}] failed: ${e.stack || e}`);
  process.exit(1);
});
