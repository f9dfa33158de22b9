"""The load test's figures from what the client processes measured."""

import statistics

NOT_COUNTED = {"login"}  # before the measured phases
NOT_MIXED = {"healthz", "floor"}  # phases of their own


def _percentiles(values: list[float]) -> tuple[float | None, float | None]:
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    if len(values) == 1:
        return round(values[0], 2), round(values[0], 2)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return round(statistics.median(values), 2), round(cuts[94], 2)


def summarise(results: list[dict], *, seconds: float, healthz_seconds: float, clients: int,
              workers: int, backend: str, cases: int,
              timer_lateness: tuple[list[float], int, int, int] = ([], 0, 0, 0)) -> dict:
    """One JSON object: rates, p50/p95 per request type (server and client side), counts, and
    how late the timers brought forward fired (``timer_lateness``: the lateness of each one
    that fired in ms, how many did not fire, how many were brought forward, how many a person's
    step ended before they came due)."""
    samples: dict[str, list] = {}
    counts = {"errors": 0, "unexpected": 0, "conflicts": 0, "completions": 0}
    for result in results:
        for kind, rows in result["samples"].items():
            if kind not in NOT_COUNTED:
                samples.setdefault(kind, []).extend(rows)
        for key in counts:
            counts[key] += result["counts"][key]
    per_type = {}
    for kind in sorted(samples):
        rows = samples[kind]
        server_p50, server_p95 = _percentiles([server for _, server in rows])
        client_p50, client_p95 = _percentiles([client for client, _ in rows])
        per_type[kind] = {"n": len(rows), "server_p50_ms": server_p50,
                          "server_p95_ms": server_p95, "client_p50_ms": client_p50,
                          "client_p95_ms": client_p95}
    late, not_fired, due, ended = timer_lateness
    late_p50, late_p95 = _percentiles(late)
    mixed = sum(len(rows) for kind, rows in samples.items() if kind not in NOT_MIXED)
    requests_per_s = mixed / seconds
    healthz_per_s = len(samples.get("healthz", [])) / healthz_seconds
    floor_per_s = len(samples.get("floor", [])) / (healthz_seconds / 2)
    return {
        "requests_per_s": round(requests_per_s, 2),
        "completions_per_s": round(counts["completions"] / seconds, 2),
        "healthz_per_s": round(healthz_per_s, 2),
        "ratio": round(requests_per_s / healthz_per_s, 3) if healthz_per_s else None,
        # the same for the floor page: the ratio the mixed load would reach if each of its
        # requests cost no more than the smallest signed-in page
        "floor_per_s": round(floor_per_s, 2),
        "floor_ratio": round(floor_per_s / healthz_per_s, 3) if healthz_per_s else None,
        "errors": counts["errors"],
        "unexpected": counts["unexpected"],
        "conflicts": counts["conflicts"],
        "clients": clients,
        "workers": workers,
        "backend": backend,
        "cases": cases,
        "seconds": seconds,
        "healthz_seconds": healthz_seconds,
        "timer_lateness_p95_ms": late_p95,
        "timers": {"due": due, "fired": due - not_fired - ended, "ended_by_a_step": ended,
                   "lateness_p50_ms": late_p50},
        "per_type": per_type,
    }
