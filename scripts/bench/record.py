#!/usr/bin/env python3
"""Appends one measurement to results.jsonl: record.py FILE section config store metric unit
value... -> {"section","config","store","metric","unit","runs":[...],"median","min","max"}.
A value may be "null" (not measurable in this configuration, e.g. "until exp")."""
import json
import statistics
import sys


def main(argv):
    path, section, config, store, metric, unit, *values = argv
    runs = [None if v == "null" else float(v) for v in values]
    nums = [v for v in runs if v is not None]
    rec = {"section": section, "config": config, "store": store, "metric": metric,
           "unit": unit, "runs": runs,
           "median": statistics.median(nums) if nums else None,
           "min": min(nums) if nums else None, "max": max(nums) if nums else None}
    with open(path, "a") as f:
        f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
