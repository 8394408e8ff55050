"""Command line for the demo org.

    python -m orchestration.demo_org generate --scale 2000 --out data/demo_org
    python -m orchestration.demo_org serve --port 8765 [--dir data/demo_org]

``generate`` writes one ``<ApiName>.csv`` per object: edit them, or bring your own, and point the pipeline
at the folder with DEMO_ORG_DIR. ``serve`` runs the org as an HTTP server on 127.0.0.1; point the pipeline
at it with DEMO_ORG_URL=http://127.0.0.1:8765.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import date
from pathlib import Path


def _generate(args: argparse.Namespace) -> int:
    from orchestration.demo_org.generator import generate_org, write_csv_dir

    started = time.monotonic()
    kwargs = {"scale": args.scale, "seed": args.seed, "billing_package": not args.no_billing}
    if args.reference_date:
        kwargs["reference_date"] = date.fromisoformat(args.reference_date)
    org = generate_org(**kwargs)
    paths = write_csv_dir(org, Path(args.out))
    rows = {name: table.num_rows for name, table in org.tables.items()}
    width = max(len(name) for name in rows)
    for name, count in rows.items():
        print(f"  {name:<{width}}  {count:>10,}")
    print(f"wrote {len(paths)} files to {args.out} in {time.monotonic() - started:.1f}s "
          f"({len(org.planted)} planted bad records listed in _manifest.json)")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from orchestration.demo_org.org import DemoOrg
    from orchestration.demo_org.server import DemoOrgServer

    org = DemoOrg.from_csv_dir(args.dir) if args.dir else DemoOrg.generate(scale=args.scale, seed=args.seed)
    server = DemoOrgServer(org, host="127.0.0.1", port=args.port)
    print(f"demo org listening on {server.url} (Ctrl-C to stop); set DEMO_ORG_URL={server.url}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.demo_org", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write a seeded demo org as CSV files")
    generate.add_argument("--scale", type=int, default=2000, help="number of opportunities (default 2000)")
    generate.add_argument("--seed", type=int, default=7)
    generate.add_argument("--reference-date", help="the org's 'today', YYYY-MM-DD (default 2026-10-31)")
    generate.add_argument("--no-billing", action="store_true", help="an org without Salesforce Billing")
    generate.add_argument("--out", required=True, help="output directory")
    generate.set_defaults(run=_generate)

    serve = commands.add_parser("serve", help="serve the demo org over HTTP on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--dir", help="a CSV directory to load instead of generating")
    serve.add_argument("--scale", type=int, default=2000)
    serve.add_argument("--seed", type=int, default=7)
    serve.set_defaults(run=_serve)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
