"""A TCP proxy on 127.0.0.1 for fault tests: forwards to a server until told to go silent.

``TcpProxy(("127.0.0.1", 5432))`` forwards every connection both ways. After
:meth:`go_silent` it keeps every connection open and reads what the client sends, but
forwards nothing and answers nothing: to the client it looks like a link that dropped
without a reset (or a server that stopped answering). ``TcpProxy(None)`` is silent from the
start: it accepts connections and never answers, like a server that hangs. One thread
runs the proxy; :meth:`close` stops it and closes every socket.
"""

from __future__ import annotations

import selectors
import socket
import threading
from types import TracebackType

_CHUNK = 65536


class TcpProxy:
    def __init__(self, target: tuple[str, int] | None) -> None:
        self._target = target
        self._silent = target is None
        self._selector = selectors.DefaultSelector()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setblocking(False)
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        # a socket pair wakes the loop when the test changes the mode or closes the proxy
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._peers: dict[socket.socket, socket.socket | None] = {}
        self._lock = threading.Lock()
        self._closing = False
        self.accepted = 0
        self._thread = threading.Thread(target=self._run, name="tcp-proxy", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def url_for(self, url: str) -> str:
        """``url`` (a SQLAlchemy URL string) pointed at this proxy."""
        from sqlalchemy.engine import make_url

        return (
            make_url(url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    def go_silent(self) -> None:
        """From now on nothing is forwarded either way, and nothing is closed."""
        with self._lock:
            self._silent = True
        self._wake_w.send(b"x")

    def close(self) -> None:
        with self._lock:
            self._closing = True
        self._wake_w.send(b"x")
        self._thread.join(5)

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---------------------------------------------------------------- the loop

    def _run(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._closing:
                        return
                for key, _events in self._selector.select(timeout=1.0):
                    if key.data == "wake":
                        self._wake_r.recv(_CHUNK)
                    elif key.fileobj is self._listener:
                        self._accept()
                    else:
                        self._pump(key.fileobj)  # type: ignore[arg-type]
        finally:
            for sock in list(self._peers):
                sock.close()
            self._selector.close()
            self._listener.close()
            self._wake_r.close()
            self._wake_w.close()

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        self.accepted += 1
        client.setblocking(False)
        server = None
        if self._target is not None and not self._silent:
            server = socket.create_connection(self._target, timeout=5)
            server.setblocking(False)
            self._peers[server] = client
            self._selector.register(server, selectors.EVENT_READ, "peer")
        self._peers[client] = server
        self._selector.register(client, selectors.EVENT_READ, "peer")

    def _pump(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(_CHUNK)
        except OSError:
            data = b""
        other = self._peers.get(sock)
        if not data:  # one side closed: close both, as a real link would
            for end in (sock, other):
                if end is not None and end in self._peers:
                    self._selector.unregister(end)
                    del self._peers[end]
                    end.close()
            return
        with self._lock:
            silent = self._silent
        if silent or other is None:
            return  # swallowed: the link went quiet
        other.sendall(data)
