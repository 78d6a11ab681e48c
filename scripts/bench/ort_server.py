#!/usr/bin/env python3
"""ONNX Runtime behind the fastest small Python HTTP server we measured: the peer of `nnreg serve --model`
in scripts/bench/serve_bench.py (issue 24).

    python scripts/bench/ort_server.py MODEL.onnx --port 8081 [--workers 2] [--threads 1]

Answers POST /invocations (and any path ending in /invocations) with MLflow scoring JSON:
{"inputs": [[784 floats]]}, {"instances": [[...]]} or {"dataframe_split": {"columns": [...], "data": [[...]]}},
and returns {"predictions": [{"class": C, "probabilities": [p0, ..., p9]}, ...]}, the shape nnreg serves.
GET /ping and /health answer 200.

What it is: a raw asyncio Protocol on uvloop parsing HTTP/1.1 keep-alive itself, orjson both ways,
WORKERS processes each on its own SO_REUSEPORT socket with its own InferenceSession of THREADS
intra-op threads. Requests that arrive in the same turn of the event loop are scored in one
InferenceSession.run (no waiting: the batch is whatever is already there), which nearly doubled its
throughput at 64 connections.

Chosen by measurement (wrk -t2 -c64, one image a request, 2 workers, on the 2-core machine; requests/s):
    this server                               28,200   (15,200 in a second, busier sitting)
    the same, one run per request             15,600    (8,400)
    granian 2.8 RSGI                          14,400    (7,500; with the same batching 13,500)
    aiohttp 3.14 on uvloop                         -    (5,000)
    uvicorn 0.55 + httptools, bare ASGI        6,100    (4,200)
    socketify 0.0.31 (needs Debian's libuv1)   5,300    (3,400)
"""
import argparse
import asyncio
import ctypes
import os
import signal
import socket
import sys

import numpy as np
import onnxruntime as ort
import orjson
import uvloop

JSON = orjson.OPT_SERIALIZE_NUMPY
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "


def rows_of(body):
    """The [N,784] float32 array of an MLflow scoring JSON body."""
    doc = orjson.loads(body)
    rows = doc.get("inputs")
    if rows is None:
        rows = doc.get("instances")
    if rows is None:
        rows = doc["dataframe_split"]["data"]
    x = np.asarray(rows, dtype=np.float32)
    return x.reshape(1, -1) if x.ndim == 1 else x


def response(status, body, close=False):
    reason = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 500: b"Internal Server Error"}[status]
    head = b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % (status, reason, len(body))
    return head + (b"Connection: close\r\n\r\n" if close else b"\r\n") + body


def error(status, message):
    return response(status, orjson.dumps({"error_code": "BAD_REQUEST" if status == 400 else "ERROR", "message": message}))


def serve(sock, args):
    so = ort.SessionOptions()
    so.intra_op_num_threads = args.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])
    input_name, output_name = session.get_inputs()[0].name, session.get_outputs()[0].name
    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    pending = []  # (protocol, rows) of the requests read in this turn of the loop

    def flush():
        batch = pending[:]
        pending.clear()
        try:
            x = np.concatenate([rows for _, rows in batch]) if len(batch) > 1 else batch[0][1]
            probs = session.run([output_name], {input_name: x})[0]
        except Exception as e:  # a bad row count or width: score each alone so that only it fails
            if len(batch) == 1:
                batch[0][0].send(error(400, str(e)))
                return
            for proto, rows in batch:
                pending.append((proto, rows))
                flush()
            return
        i = 0
        for proto, rows in batch:
            n = len(rows)
            body = orjson.dumps({"predictions": [{"class": int(p.argmax()), "probabilities": p} for p in probs[i:i + n]]},
                                option=JSON)
            i += n
            proto.send(OK + b"%d\r\n\r\n" % len(body) + body)

    class Http(asyncio.Protocol):
        __slots__ = ("transport", "buffer", "queued", "closing", "continued")

        def connection_made(self, transport):
            self.transport, self.buffer, self.queued, self.closing, self.continued = transport, b"", 0, False, False

        def send(self, data):
            # Responses go out in request order: a connection's requests are scored in one flush,
            # in order, and immediate answers (ping, errors) wait for nothing queued before them.
            self.queued -= 1
            if not self.transport.is_closing():
                self.transport.write(data)
                if self.closing and self.queued == 0:
                    self.transport.close()

        def data_received(self, data):
            buffer = self.buffer + data if self.buffer else data
            while True:
                end = buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(buffer) > 65536:
                        self.transport.close()
                    break
                head = buffer[:end].lower()
                length = 0
                k = head.find(b"content-length:")
                if k >= 0:
                    e = head.find(b"\r\n", k)
                    length = int(head[k + 15:e if e >= 0 else len(head)])
                if len(buffer) < end + 4 + length:
                    if b"expect: 100-continue" in head and not self.continued:
                        self.continued = True
                        self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                    break
                self.continued = False
                body = buffer[end + 4:end + 4 + length]
                buffer = buffer[end + 4 + length:]
                line = head[:head.find(b"\r\n")] if b"\r\n" in head else head
                method, _, rest = line.partition(b" ")
                path = rest.partition(b" ")[0].partition(b"?")[0]
                close = b"connection: close" in head or line.endswith(b"http/1.0")
                self.closing = self.closing or close
                self.queued += 1
                if method == b"post" and path.endswith(b"/invocations"):
                    try:
                        rows = rows_of(body)
                        if rows.ndim != 2:
                            raise ValueError(f"expected rows of features, got shape {list(rows.shape)}")
                    except Exception as e:
                        self.answer_now(error(400, f"cannot read the input: {e}"))
                        continue
                    if not pending:
                        loop.call_soon(flush)
                    pending.append((self, rows))
                elif method == b"get" and path in (b"/ping", b"/health"):
                    self.answer_now(response(200, b"{}"))
                else:
                    self.answer_now(error(404, f"no route {method.decode().upper()} {path.decode()}"))
            self.buffer = buffer

        def answer_now(self, data):
            # After the requests already waiting for this turn's flush, so that answers stay in order.
            if any(proto is self for proto, _ in pending):
                loop.call_soon(self.send, data)
            else:
                self.send(data)

    loop.run_until_complete(loop.create_server(Http, sock=sock, backlog=4096))
    loop.run_forever()


def listener(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((host, port))
    s.listen(4096)
    s.setblocking(False)
    return s


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="the .onnx file (input [N,784] float, output [N,10] probabilities)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--workers", type=int, default=2, help="processes, each on its own SO_REUSEPORT socket")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads per worker")
    args = parser.parse_args()
    children = []
    for _ in range(args.workers):
        sock = listener(args.host, args.port)  # bound before forking on: a port taken fails here, at once
        pid = os.fork()
        if pid == 0:
            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: go when the parent goes
            serve(sock, args)
            os._exit(0)
        sock.close()
        children.append(pid)

    def stop(*_):
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"ort_server: {args.model} on http://{args.host}:{args.port} ({args.workers} workers, "
          f"{args.threads} intra-op thread(s) each, onnxruntime {ort.__version__})", flush=True)
    os.wait()  # a worker died: take the rest down too
    stop()


if __name__ == "__main__":
    main()
