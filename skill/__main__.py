"""`python -m skill`: run the skill locally.

python -m skill serve [--host H] [--port P] [--no-verify]   the web endpoint (dev server)
python -m skill ask "when should I take it" [--verbose] [--url URL]
python -m skill chat [--verbose] [--url URL]
python -m skill build-lambda [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from skill.config import ConfigError, Settings
from skill.logs import configure_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m skill", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the Alexa web endpoint locally")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument(
        "--no-verify",
        action="store_true",
        help="skip Alexa request signature/timestamp checks (local development only)",
    )

    for name, text in (("ask", "ask one question"), ("chat", "have a conversation")):
        console = commands.add_parser(name, help=text)
        if name == "ask":
            console.add_argument("text", help='what you would say, e.g. "when should I take it"')
        console.add_argument("--verbose", "-v", action="store_true", help="show intent and JSON")
        console.add_argument("--url", help="send to a running server instead of in-process")
        console.add_argument("--locale", default="en-US")

    build = commands.add_parser("build-lambda", help="build the AWS Lambda deployment bundle")
    build.add_argument("--out", default="build", help="output folder (default: build)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as problem:
        print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    # The console's output is the conversation: keep the log to warnings unless asked.
    quiet_console = args.command in ("ask", "chat") and "SKILL_LOG_LEVEL" not in os.environ
    # The console stays human (text) unless SKILL_LOG_FORMAT=json asks otherwise.
    configure_logging(
        "WARNING" if quiet_console else settings.log_level,
        json_lines=settings.log_format == "json",
    )

    if args.command == "serve":
        from skill.web.app import serve

        try:
            return serve(settings, host=args.host, port=args.port, verify=not args.no_verify)
        except ConfigError as problem:  # e.g. verifying without ALEXA_SKILL_ID
            print(f"configuration error: {problem}", file=sys.stderr)
            return 2
    if args.command in ("ask", "chat"):
        from skill.dev import console

        if args.command == "ask":
            return console.ask(
                args.text, settings=settings, url=args.url, verbose=args.verbose, locale=args.locale
            )
        return console.chat(
            settings=settings, url=args.url, verbose=args.verbose, locale=args.locale
        )
    if args.command == "build-lambda":
        from skill.dev.bundle import BundleError, build_bundle

        try:
            print(build_bundle(args.out))
        except BundleError as problem:
            print(f"build-lambda failed: {problem}", file=sys.stderr)
            return 1
        return 0
    return 2  # unreachable: argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
