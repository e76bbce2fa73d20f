#!/usr/bin/env python3
"""Markdown table of labelkit beside the Python peers, from one run of peers_side_by_side.sh.

Inputs: the peers harness's results JSON ($PEERS_DATA/results.json, or results.partial.json
after --only), Google Benchmark JSON from labelkit_peers_bench in the default -O2 build and in
the -march=native build, and the answers labelkit_peers_bench wrote (LABELKIT_PEERS_ANSWERS).

labelkit figures are Google Benchmark CPU times (median of the repetitions); peer figures are
the harness's wall-clock medians (time.perf_counter, one process per case). Each labelkit ratio
is its CPU time over its reference's CPU time, same build, same layout, same process.
"""
import argparse
import array
import json
import os
import statistics
import sys

# (data, path, label, reference path, per-iteration divisor, goal, peers [(case, short name)])
ROWS = [
    ("proba", "reference_sum", "streaming read of proba_1m_10 (reference)", None, None, None,
     [("numpy_sum_proba", "numpy sum")]),
    ("proba", "least_confidence_top_k", "least confidence + top_k(100)", "reference_sum", None,
     2.0, [("modal_uncertainty_sampling", "modAL"), ("numpy_least_confidence_topk", "numpy")]),
    ("proba", "margin_top_k", "margin + top_k(100)", "reference_sum", None, 2.0,
     [("modal_margin_sampling", "modAL"), ("numpy_margin_topk", "numpy")]),
    ("proba", "ratio_top_k", "ratio + top_k(100)", "reference_sum", None, 2.0, []),
    ("proba", "entropy_top_k", "entropy + top_k(100)", "reference_sum", None, 3.0,
     [("modal_entropy_sampling", "modAL"), ("numpy_entropy_topk", "numpy")]),
    ("committee", "reference_sum", "streaming read of committee_5x200k_10 (reference)", None, None,
     None, []),
    ("committee", "vote_entropy", "vote entropy + top_k(100)", "reference_sum", None, 2.0,
     [("modal_vote_entropy_sampling", "modAL"), ("numpy_vote_entropy_topk", "numpy")]),
    ("committee", "consensus_entropy", "consensus entropy + top_k(100)", "reference_sum", None, 3.0,
     [("modal_consensus_entropy_sampling", "modAL"), ("numpy_consensus_entropy_topk", "numpy")]),
    ("committee", "mean_kl", "mean KL + top_k(100)", "reference_sum", None, 4.0, []),
    ("committee", "max_kl", "max KL + top_k(100)", "reference_sum", None, 4.0,
     [("modal_max_disagreement_sampling", "modAL"), ("numpy_max_disagreement_topk", "numpy")]),
    ("committee", "bald", "BALD + top_k(100)", "reference_sum", None, 4.0, []),
    ("emb", "reference_gemv", "one GEMV over emb_50k_128", None, None, None,
     [("numpy_gemv_emb", "numpy GEMV")]),
    ("emb", "reference_gemv100", "100 dependent GEMVs (reference)", None, None, None, []),
    ("emb", "k_center", "k-center greedy, k=100, row 0 labelled", "reference_gemv100", None, None,
     [("smalltext_greedy_coreset", "small-text"), ("numpy_kcenter_greedy", "numpy")]),
    ("alpha", "reference_pass", "one pass over reliability_10x100k (reference)", None, None, None,
     []),
    ("alpha", "nominal", "Krippendorff alpha, nominal", "reference_pass", None, 3.0,
     [("krippendorff_alpha_nominal", "krippendorff")]),
    ("alpha", "ordinal", "Krippendorff alpha, ordinal", "reference_pass", None, 3.0,
     [("krippendorff_alpha_ordinal", "krippendorff")]),
    ("alpha", "interval", "Krippendorff alpha, interval", "reference_pass", None, 3.0,
     [("krippendorff_alpha_interval", "krippendorff")]),
    ("alpha", "ratio", "Krippendorff alpha, ratio", "reference_pass", None, 3.0,
     [("krippendorff_alpha_ratio", "krippendorff")]),
    ("fleiss", "reference_pass", "one pass over fleiss_100k_5 (reference)", None, None, None, []),
    ("fleiss", "kappa", "Fleiss kappa", "reference_pass", None, None,
     [("statsmodels_fleiss_kappa", "statsmodels")]),
    ("cohen", "reference_pass", "one 5x5 table pass over coders 0,1 (reference)", None, None, None,
     []),
    ("cohen", "none", "Cohen kappa, unweighted", "reference_pass", None, None,
     [("sklearn_cohen_kappa_unweighted", "sklearn")]),
    ("cohen", "linear", "Cohen kappa, linear", "reference_pass", None, None,
     [("sklearn_cohen_kappa_linear", "sklearn")]),
    ("cohen", "quadratic", "Cohen kappa, quadratic", "reference_pass", None, None,
     [("sklearn_cohen_kappa_quadratic", "sklearn")]),
    ("crowd", "reference_vote_count", "one vote-count pass over crowd_100k (reference)", None,
     None, None, []),
    ("crowd", "majority_vote", "majority vote", "reference_vote_count", None, None,
     [("crowdkit_majority_vote", "crowd-kit"), ("numpy_majority_vote", "numpy")]),
    ("crowd", "reference_answer_pass", "one pass over the 500,000 answers (reference)", None, None,
     None, []),
    ("crowd", "dawid_skene_13", "Dawid-Skene, 13 iterations (crowd-kit's stop)",
     "reference_answer_pass", 13, 2.0,
     [("crowdkit_dawid_skene", "crowd-kit"), ("numpy_dawid_skene", "numpy")]),
    ("crowd", "dawid_skene_100", "Dawid-Skene, 100 iterations, tolerance 0",
     "reference_answer_pass", 100, 2.0, [("crowdkit_dawid_skene_fixed100", "crowd-kit")]),
]
LAYOUTS = {"proba": ["row", "col"], "committee": ["row", "col"], "emb": ["row", "col"],
           "alpha": ["row", "col"], "fleiss": ["row", "col"], "cohen": ["pairs"],
           "crowd": ["records"]}
LAYOUT_NAME = {"row": "row-major (file)", "col": "col-major copy", "pairs": "int pairs",
               "records": "records"}
# Peer score = f(labelkit score), and whether the peer ranks largest first.
PEER_SCORE = {"margin_top_k": (lambda s: 1.0 - s, False)}


def load_gbench(path):
    """run_name -> median cpu_time in ms (aggregate if present, else median of the runs)."""
    if not path or not os.path.exists(path):
        return {}, {}
    with open(path) as f:
        doc = json.load(f)
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    medians, runs = {}, {}
    for b in doc.get("benchmarks", []):
        name = b.get("run_name", b["name"])
        ms = b["cpu_time"] * scale[b.get("time_unit", "ns")]
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = ms
        else:
            runs.setdefault(name, []).append(ms)
    for name, v in runs.items():
        medians.setdefault(name, statistics.median(v))
    return medians, doc.get("context", {})


def fmt_ms(ms):
    if ms is None:
        return "—"
    return f"{ms:.3g}" if ms < 10 else f"{ms:.1f}" if ms < 1000 else f"{ms:,.0f}"


def fmt_x(x):
    return "—" if x is None else (f"{x:.2f}×" if x < 10 else f"{x:.1f}×" if x < 100 else f"{x:.0f}×")


def load_labels(data_dir, file_name):
    """An int32 little-endian .bin written by the harness (aggregated label per item), or None."""
    path = os.path.join(data_dir, file_name)
    if not file_name or not os.path.exists(path):
        return None
    labels = array.array("i")
    with open(path, "rb") as f:
        labels.frombytes(f.read())
    if sys.byteorder != "little":
        labels.byteswap()
    return labels.tolist()


def cross_check(path_key, answers, peers, row_peers, data_dir):
    """One short text: labelkit's answer beside the first peer that has one."""
    a = answers.get(path_key)
    if a is None:
        return "—"
    out = []
    for case, short in row_peers:
        r = peers.get(case)
        if not r or "output" not in r:
            continue
        o = r["output"]
        if "alpha" in o and "alpha" in a:
            out.append(f"{short} α {o['alpha']:.6f} vs {a['alpha']:.6f}, |Δ| {abs(o['alpha'] - a['alpha']):.1e}")
        elif "kappa" in o and "kappa" in a:
            out.append(f"{short} κ {o['kappa']:.6f} vs {a['kappa']:.6f}, |Δ| {abs(o['kappa'] - a['kappa']):.1e}")
        elif "scores_by_score" in o and "scores" in a:
            f, largest = PEER_SCORE.get(path_key.split("/")[1], (lambda s: s, True))
            lk = sorted(((f(s), i) for s, i in zip(a["scores"], a["indices"])),
                        key=lambda t: ((-t[0] if largest else t[0]), t[1]))
            same = len(set(a["indices"]) & set(o["indices"]))
            diff = max(abs(x - y) for (x, _), y in zip(lk, o["scores_by_score"]))
            text = f"{short}: {same}/{len(o['indices'])} same items, max |Δscore| by rank {diff:.1e}"
            if same < len(o["indices"]) and diff <= 1e-6:
                text += " (tied scores at the k-th: which tied items are chosen differs)"
            out.append(text)
        elif "indices" in o and "indices" in a:
            same = len(set(a["indices"]) & set(o["indices"]))
            order = "same order" if list(a["indices"]) == list(o["indices"]) else "order differs"
            out.append(f"{short}: {same}/{len(o['indices'])} same picks, {order}")
        elif "accuracy" in o and "accuracy" in a:
            s = f"{short} acc {o['accuracy']:.5f} vs {a['accuracy']:.5f}"
            peer_labels = load_labels(data_dir, o.get("labels_file", ""))
            if peer_labels is not None and len(peer_labels) == len(a["labels"]):
                n = sum(1 for x, y in zip(peer_labels, a["labels"]) if x != y)
                s += f", labels differ on {n}"
            if "iterations_run" in o:
                s += f" ({o['iterations_run']} vs {a.get('iterations_run', '?')} it.)"
            out.append(s)
        break  # the first peer with an answer
    if not out:
        if "alpha" in a:
            return f"α {a['alpha']:.6f}"
        if "kappa" in a:
            return f"κ {a['kappa']:.6f}"
        if "scores" in a:
            return f"no peer; k-th score {min(a['scores']):.6g}"
        if "accuracy" in a:
            return f"acc {a['accuracy']:.5f}"
        return "—"
    return "; ".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", required=True, help="the harness's results JSON")
    ap.add_argument("--default", required=True, help="Google Benchmark JSON, default -O2 build")
    ap.add_argument("--native", required=True, help="Google Benchmark JSON, -march=native build")
    ap.add_argument("--answers", required=True, help="labelkit answers (LABELKIT_PEERS_ANSWERS)")
    ap.add_argument("--native-answers", default="", help="the same from the native build")
    ap.add_argument("--data", default=os.environ.get("PEERS_DATA", "/tmp/peers-data"))
    ap.add_argument("--load", nargs="*", default=[], help="label=loadavg pairs to print")
    ap.add_argument("--commit", default="")
    args = ap.parse_args()

    peers_doc = {}
    if os.path.exists(args.peers):
        with open(args.peers) as f:
            peers_doc = json.load(f)
    peers = peers_doc.get("cases", {})
    default, ctx_default = load_gbench(args.default)
    native, ctx_native = load_gbench(args.native)
    answers = {}
    if os.path.exists(args.answers):
        with open(args.answers) as f:
            answers = json.load(f)

    native_note = ""
    if args.native_answers and os.path.exists(args.native_answers) and answers:
        with open(args.native_answers) as f:
            native_answers = json.load(f)
        differ = []
        for k, v in answers.items():
            w = native_answers.get(k)
            if v == w:
                continue
            parts = []
            for field, x in v.items():
                y = (w or {}).get(field)
                if x == y:
                    continue
                if isinstance(x, float) and isinstance(y, float):
                    parts.append(f"{field} |Δ| {abs(x - y):.1e}")
                elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
                    if x and isinstance(x[0], float):
                        parts.append(f"{field} max |Δ| {max(abs(p - q) for p, q in zip(x, y)):.1e}")
                    else:
                        parts.append(f"{field} differ at {sum(p != q for p, q in zip(x, y))} places")
                else:
                    parts.append(f"{field} differs")
            differ.append(f"{k} ({', '.join(parts)})")
        native_note = ("identical to the default build's" if not differ else
                       "as the default build's except " + "; ".join(differ))
    env = peers_doc.get("environment", {})
    print(f"labelkit {args.commit} beside the Python peers, one run of "
          f"benchmarks/peers_side_by_side.sh ({peers_doc.get('generated_at', 'no peer run')}).")
    print()
    print(f"- Machine: {env.get('cpu_model', '?')} x{env.get('cpu_count', '?')}; "
          f"python {env.get('python', '?')}, numpy {env.get('numpy', '?')}, "
          f"BLAS {', '.join(str(b.get('internal_api')) + ' ' + str(b.get('version')) for b in (env.get('blas') or []))}.")
    pv = peers_doc.get("peers", {})
    if pv:
        print("- Peers: " + "; ".join(f"{k} {v.get('version')} @ {(v.get('commit') or '?')[:12]}"
                                      for k, v in pv.items()) + ".")
    for label, ctx in (("default -O2", ctx_default), ("-march=native", ctx_native)):
        if ctx:
            print(f"- labelkit {label}: Google Benchmark on {ctx.get('num_cpus')} CPUs at "
                  f"{ctx.get('mhz_per_cpu')} MHz, load {ctx.get('load_avg')}.")
    if native_note:
        print(f"- labelkit's answers in the -march=native build: {native_note}.")
    if args.load:
        print("- 1-minute load average: " + ", ".join(args.load) + ".")
    loads = [r.get("loadavg_1m_before_after") for r in peers.values() if r.get("loadavg_1m_before_after")]
    if loads:
        flat = [x for pair in loads for x in pair]
        print(f"- Load during the peer cases: {min(flat):.2f}–{max(flat):.2f}.")
    print("- labelkit ms: median CPU time of the repetitions (`--benchmark_repetitions`), one "
          "thread. Peer ms: the harness's median wall time (one process per case, library "
          "thread defaults). Ratio: labelkit's CPU time over its reference's in the same build, "
          "layout and process (Dawid-Skene: per iteration). Speed-up: peer median over "
          "labelkit's default-build time (native build in brackets).")
    print()
    print("| path | input | peer ms (median) | labelkit default -O2 ms | labelkit -march=native ms "
          "| ratio to reference, default / native | goal | speed-up over peer | cross-check |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- |")
    shown = 0
    for data_name, path, label, ref, per_it, goal, row_peers in ROWS:
        for li, layout in enumerate(LAYOUTS[data_name]):
            key = f"{data_name}/{path}/{layout}"
            d, n = default.get(key), native.get(key)
            peer_cells = [(short, peers[c]["median_ms"]) for c, short in row_peers
                          if c in peers and "median_ms" in peers[c]]
            if d is None and n is None and (li > 0 or not peer_cells):
                continue
            shown += 1
            ratios = []
            for t, table in ((d, default), (n, native)):
                r = table.get(f"{data_name}/{ref}/{layout}") if ref else None
                if t is None or r is None or r <= 0:
                    ratios.append(None)
                else:
                    ratios.append((t / per_it if per_it else t) / r)
            ratio_cell = "reference" if ref is None else f"{fmt_x(ratios[0])} / {fmt_x(ratios[1])}"
            if per_it and ref is not None:
                ratio_cell += " per it."
            peer_cell = " · ".join(f"{s} {fmt_ms(m)}" for s, m in peer_cells) or "—"
            speed = []
            for s, m in peer_cells:
                if d is None and n is None:
                    continue
                cell = f"{s} {fmt_x(m / d) if d else '—'}"
                if n:
                    cell += f" ({fmt_x(m / n)})"
                speed.append(cell)
            check = cross_check(f"{data_name}/{path}", answers, peers, row_peers, args.data) \
                if li == 0 and ref is not None else ""
            goal_cell = f"≤ {goal:g}×" if goal else ""
            print(f"| {label} | {LAYOUT_NAME[layout]} | {peer_cell} | {fmt_ms(d)} | {fmt_ms(n)} | "
                  f"{ratio_cell} | {goal_cell} | {' · '.join(speed) or '—'} | {check} |")
    if shown == 0:
        print("| (no case ran) | | | | | | | | |")
    cc = peers_doc.get("cross_checks")
    if cc:
        print()
        print("Peer harness cross-checks (each peer against its numpy baseline): " +
              "; ".join(f"{k}: {json.dumps(v)}" for k, v in cc.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
