"""The emulator as a standalone server, for a bot in another process (scripts/docker-check.sh runs it
for the Docker image):

    PYTHONPATH=tests .venv/bin/python -m discord_emulator [--host 127.0.0.1]

Prints `token=...` and `api_base_url=...` (give them to the bot as DISCORD_TOKEN and
NEWSBOT_DISCORD_API_BASE_URL; it asks the gateway address from the API), then serves until SIGTERM
or SIGINT. The port is chosen by the system: DiscordEmulator binds port 0, so read it from the output.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from .server import DiscordEmulator


async def serve(host: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with DiscordEmulator(host=host) as emulator:
        print(f"token={emulator.token}", flush=True)
        print(f"api_base_url={emulator.api_base_url}", flush=True)
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m discord_emulator", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    asyncio.run(serve(parser.parse_args().host))


if __name__ == "__main__":
    main()
