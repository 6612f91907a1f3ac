"""A TCP proxy on loopback that delays every chunk by a fixed time each way: a service
on this machine as far away as one across a network (a managed Redis, say, is about
half a millisecond to a millisecond away). Order is kept; nothing is dropped.

    with LatencyProxy(target_port, delay=0.001) as proxy:
        proxy.port
"""

import asyncio
import threading

from bot.ops.launcher import free_port


class LatencyProxy:
    def __init__(self, target_port: int, delay: float, target_host: str = "127.0.0.1"):
        self.target_host, self.target_port, self.delay = target_host, target_port, delay
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.AbstractServer | None = None
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy reader to writer, each chunk `delay` seconds after it arrived, in order."""
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver():
            while True:
                due, data = await queue.get()
                wait = due - self.loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data is None:
                    writer.close()
                    return
                writer.write(data)
                await writer.drain()

        delivering = asyncio.ensure_future(deliver())
        try:
            while True:
                data = await reader.read(65536)
                queue.put_nowait((self.loop.time() + self.delay, data or None))
                if not data:
                    break
            await delivering
        except (ConnectionError, asyncio.CancelledError):
            delivering.cancel()
            writer.close()

    async def _connection(self, client_reader, client_writer) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer), return_exceptions=True
        )

    def __enter__(self) -> "LatencyProxy":
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._connection, "127.0.0.1", self.port), self.loop
        ).result(10)
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
