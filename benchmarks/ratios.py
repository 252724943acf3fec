"""Print vmbench-vs-reference speed ratios from a pytest-benchmark JSON file."""

import json
import sys
from collections import defaultdict


def main(path: str) -> None:
    data = json.load(open(path))
    groups = defaultdict(dict)
    for bench in data["benchmarks"]:
        name = bench["name"] if "end_to_end" in bench["name"] else bench["name"].split("[")[0]
        groups[bench["group"]][name] = bench["stats"]["mean"]
    print(f"machine: {data['machine_info'].get('cpu', {}).get('brand_raw', '?')}, {data['machine_info'].get('cpu', {}).get('count', '?')} cores")
    print(f"{'group':48s} {'case':28s} {'mean ms':>10s} {'ratio':>8s}")
    for group, cases in groups.items():
        base = next((v for k, v in cases.items() if "reference" in k), None)
        for name, mean in cases.items():
            ratio = f"{base / mean:7.1f}x" if base and "reference" not in name and "decode" not in name else ""
            print(f"{group:48s} {name:28s} {mean * 1e3:10.2f} {ratio:>8s}")


if __name__ == "__main__":
    main(sys.argv[1])
