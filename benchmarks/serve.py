"""`python -m benchmarks.serve --app behov|bare|floor|row --pbr 0|1 --port P`: one server process.

Both apps are served identically (bot.server.make_server: uvicorn, the Starlette adapter of
bot/web.py), with settings from the environment; only what Bolt runs differs.
"""

from __future__ import annotations

import argparse

from bot import logs
from bot.server import make_server
from bot.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", choices=["behov", "bare", "floor", "row"], required=True)
    parser.add_argument("--pbr", type=int, choices=[0, 1], required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = load_settings()
    logs.configure(settings, fmt="json", level="INFO")  # as in production (stderr is dropped)
    from bot.cpu import keep_to_one_cpu
    from bot.runtime import build_runtime, settle_heap

    keep_to_one_cpu(settings.behov_cpus)  # as `behov serve` does, for every app alike

    if args.app != "behov":
        from benchmarks import bare

        web_app = bare.FLOORS[args.app](settings, process_before_response=bool(args.pbr))
        settle_heap()  # every app alike, as `behov serve` does
    else:
        runtime = build_runtime(settings, process_before_response=bool(args.pbr))
        web_app = runtime.web_app
        settle_heap(runtime.services)
    make_server(web_app, "127.0.0.1", args.port, access_log=False).run()


if __name__ == "__main__":
    main()
