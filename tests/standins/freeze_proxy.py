# SPDX-License-Identifier: MIT
"""A TCP relay that can freeze (Python 3 standard library only): stand-in for a database
server that stops answering while its connections stay open, as a PostgreSQL whose
processes got SIGSTOP does. Imported by tests; runs in their process on 127.0.0.1.

  p = FreezeProxy("127.0.0.1", 5432).start()   # p.port: where clients connect
  p.freeze()   # bytes stay in the kernel buffers both ways; new connections are accepted
               # and then get nothing (as a stopped postmaster's backlog)
  p.thaw()     # everything flows again, nothing lost
  p.refuse(True)  # new connections are closed at once (a crashed server's port)
  p.stop()
"""

import socket
import threading


class FreezeProxy:
    def __init__(self, host, port):
        self.target = (host, port)
        self.flowing = threading.Event()
        self.flowing.set()
        self.stopping = False
        self.refusing = False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.threads = []
        self.conns = []

    def start(self):
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self.threads.append(t)
        return self

    def freeze(self):
        self.flowing.clear()

    def thaw(self):
        self.flowing.set()

    def refuse(self, on):
        self.refusing = on

    def stop(self):
        self.stopping = True
        self.flowing.set()
        try:
            self.sock.close()
        except OSError:
            pass
        for c in list(self.conns):
            try:
                c.close()
            except OSError:
                pass

    def _accept(self):
        while not self.stopping:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client):
        if self.refusing:
            client.close()
            return
        self.flowing.wait()  # a frozen server accepts into its backlog and answers nothing
        try:
            upstream = socket.create_connection(self.target, timeout=10)
            upstream.settimeout(None)
        except OSError:
            client.close()
            return
        self.conns += [client, upstream]
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while not self.stopping:
                self.flowing.wait()
                data = src.recv(65536)
                if not data:
                    break
                self.flowing.wait()  # frozen mid-way: hold what was read
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
