#!/usr/bin/env python3
"""A hyperparameter sweep by `nnreg sweep` beside Optuna driving `nnreg train`, one after the other.

    python scripts/bench/sweep_bench.py --nnreg .build/release/nnreg --data data/mnist \
        [--trials 40] [--steps 4000] [--display-step 100] [--prune asha,halving] [--seed 1] [--fixed lr-schedule=cosine]
        [--skip-nnreg] [--skip-optuna] [--json-out FILE]

Both search one space (SPACE) for the best val_accuracy (5,000 training images held out): TRIALS
trials of up to STEPS steps, 2 at a time, each tool in a fresh temporary folder. Every trial of both
trains with the FIXED options (or --fixed) and --seed as its training seed.
1. nnreg: `nnreg sweep bench ... --method tpe --prune P --workers 2 --min-steps MIN --json` (MIN
   below), once for each P of --prune (asha, then halving); the wall time of the whole command and
   its JSON summary (parse_sweep).
2. Optuna: one study on one SQLite storage, TPESampler (seed 1 and 2, one per worker, so that their
   random start-up trials differ), SuccessiveHalvingPruner(min_resource=MIN, reduction_factor=3) with
   MIN = STEPS/27 rounded up to a display step. 2 worker processes (this script, --optuna-worker) run
   study.optimize until TRIALS trials have started (MaxTrialsCallback); each trial runs `nnreg train`
   (NNREG_PARALLEL=0, as two share the 2 cores; stdout line-buffered by stdbuf), reports val_accuracy
   at every display step and SIGTERMs the run when pruned. Wall time from creating the study until
   both workers have exited (their Python start-up and imports included).
Prints a table (trials, pruned, best val_accuracy and that trial's test accuracy, steps trained, wall
time, Optuna's over nnreg's) with the CPU model.
"""
import argparse
import datetime
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from common import cpu_model

VALIDATION = 5000
WORKERS = 2
STUDY = "bench"
SPACE = {"learning-rate": "log:1e-4..1e-1", "batch-size": "32,64,128,256", "hidden1": "int:32..512",
         "hidden2": "int:32..512", "activation": "sigmoid,relu,tanh,gelu", "optimizer": "sgd,momentum,adam"}
# Options every trial of both tools trains with (--fixed NAME=VALUE, repeatable; default below).
FIXED = ["lr-schedule=cosine"]
STEP_LINE = re.compile(r"step:\s*(\d+).*val_accuracy:\s*([-+0-9.eEnaif]+)")
TEST_LINE = re.compile(r"Test Accuracy:\s*([-+0-9.eEnaif]+)")


def log(message):
    print(f"[sweep_bench] {message}", file=sys.stderr, flush=True)


def parse_sweep(doc):
    """The figures of `nnreg sweep --json`'s document; tolerant of drifting key names."""
    def pick(d, *keys):
        return next((d[k] for k in keys if isinstance(d, dict) and d.get(k) is not None), None)

    trials = pick(doc, "trials", "runs") or []
    states = [str(pick(t, "state", "status") or "?").lower() for t in trials]
    best = pick(doc, "best", "best_trial")
    if best is None:  # the best finished trial by value, if the document names none
        done = [t for t, s in zip(trials, states) if s in ("finished", "complete", "completed")
                and pick(t, "value", "val_accuracy", "metric") is not None]
        best = max(done, key=lambda t: pick(t, "value", "val_accuracy", "metric"), default=None)
    steps = pick(doc, "steps_trained", "total_steps")
    if steps is None:
        steps = sum(pick(t, "step", "steps", "steps_done") or 0 for t in trials)
    return {"trials": len(trials), "pruned": states.count("pruned"), "failed": states.count("failed"),
            "best_val_accuracy": pick(best, "value", "val_accuracy", "metric"),
            "best_test_accuracy": pick(best, "test_accuracy", "test"), "best_params": pick(best, "params"),
            "steps_trained": steps, "own_wall_seconds": pick(doc, "wall_seconds", "seconds"),
            "steps_resumed_saved": pick(doc, "steps_resumed_saved"),
            "seconds_resumed_saved": pick(doc, "seconds_resumed_saved"), "scheduler_ms_per_trial": pick(doc, "scheduler_ms_per_trial")}


def run_nnreg(args, scratch, prune):
    probe = subprocess.run([args.nnreg, "sweep", "--help"], capture_output=True, text=True)
    if "USAGE: nnreg sweep" not in probe.stdout:  # an unknown subcommand prints the top-level help
        return {"pending": f"{args.nnreg} has no sweep command yet"}
    command = [args.nnreg, "sweep", STUDY, "--db", os.path.join(scratch, "nnreg.sqlite"), "--data", args.data,
               "--method", "tpe", "--prune", prune, "--workers", str(WORKERS), "--trials", str(args.trials),
               "--steps", str(args.steps), "--validation", str(VALIDATION), "--seed", str(args.seed),
               "--display-step", str(args.display_step), "--min-steps", str(args.min_resource)]  # Optuna's rungs
    command += [a for name, spec in SPACE.items() for a in ("--param", f"{name}={spec}")]
    # The trials' own training seed (weights, shuffling, the validation split) as Optuna's trials have it.
    command += [a for fixed in args.fixed + [f"seed={args.seed}"] for a in ("--param", fixed)] + ["--json"]
    log("nnreg: " + " ".join(command))
    start, epoch = time.perf_counter(), time.time()
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True)  # its stderr (progress) passes through
    wall = time.perf_counter() - start
    if done.returncode != 0:
        return {"error": f"nnreg sweep exited with {done.returncode}", "wall_seconds": wall}
    text = done.stdout.strip()
    try:
        doc = json.loads(text)
    except ValueError:  # one JSON object on the last line that opens one
        doc = json.loads(next(l for l in reversed(text.splitlines()) if l.lstrip().startswith("{")))
    # When each finished trial ended (its run's start and duration, from `nnreg list`).
    runs = json.loads(subprocess.run([args.nnreg, "list", "--db", os.path.join(scratch, "nnreg.sqlite"), "--experiment", STUDY,
                                      "--json"], stdout=subprocess.PIPE, text=True, check=True).stdout)
    ended = {r["run_id"]: datetime.datetime.fromisoformat(r["created"].replace("Z", "+00:00")).timestamp() + r["duration_s"] - epoch
             for r in runs if r.get("duration_s") is not None}
    timeline = [(ended[t["run_id"]], t["value"], t["test_accuracy"]) for t in doc.get("trials", [])
                if t.get("state") == "finished" and t.get("run_id") in ended and t.get("test_accuracy") is not None]
    return dict(parse_sweep(doc), wall_seconds=wall, timeline=sorted(timeline))


def objective_for(args, scratch):
    import optuna

    db = os.path.join(scratch, f"optuna-runs-{args.optuna_worker}.sqlite")
    err_path = os.path.join(scratch, f"train-{args.optuna_worker}.log")
    env = dict(os.environ) if args.nnreg_parallel else dict(os.environ, NNREG_PARALLEL="0")
    stdbuf = ["stdbuf", "-oL"] if shutil.which("stdbuf") else []  # nnreg block-buffers a pipe otherwise

    def objective(trial):
        lr = trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
        batch = trial.suggest_categorical("batch_size", [32, 64, 128, 256])
        hidden = (trial.suggest_int("hidden1", 32, 512), trial.suggest_int("hidden2", 32, 512))
        activation = trial.suggest_categorical("activation", ["sigmoid", "relu", "tanh", "gelu"])
        optimizer = trial.suggest_categorical("optimizer", ["sgd", "momentum", "adam"])
        command = stdbuf + [args.nnreg, "train", "--db", db, "--data", args.data, "--steps", str(args.steps),
                            "--validation", str(VALIDATION), "--display-step", str(args.display_step),
                            "--seed", str(args.seed), "--learning-rate", repr(lr), "--batch-size", str(batch),
                            "--hidden", f"{hidden[0]},{hidden[1]}", "--activation", activation,
                            "--optimizer", optimizer, "--predictions", "0"]
        command += [a for fixed in args.fixed for a in ("--" + fixed.split("=", 1)[0], fixed.split("=", 1)[1])]
        with open(err_path, "w") as err:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        step = value = test = None
        try:
            for line in process.stdout:
                if m := STEP_LINE.search(line):
                    step, value = int(m.group(1)), float(m.group(2))
                    trial.report(value, step)
                    if step < args.steps and trial.should_prune():  # not at the last step: that run is done
                        trial.set_user_attr("step", step)
                        log(f"optuna worker {args.optuna_worker}: trial {trial.number} pruned at step {step} ({value:.4f})")
                        raise optuna.TrialPruned()
                elif m := TEST_LINE.search(line):
                    test = float(m.group(1))
            process.wait()
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            process.stdout.close()
        if process.returncode != 0 or value is None or test is None:
            with open(err_path, errors="replace") as f:
                raise RuntimeError(f"nnreg train exited with {process.returncode}: {f.read()[-500:].strip()}")
        trial.set_user_attr("step", step)
        trial.set_user_attr("test_accuracy", test)
        log(f"optuna worker {args.optuna_worker}: trial {trial.number} finished: {value:.4f} (test {test:.4f})")
        return value

    return objective


def optuna_storage(scratch):
    import optuna

    return optuna.storages.RDBStorage(f"sqlite:///{os.path.join(scratch, 'optuna.db')}",
                                      engine_kwargs={"connect_args": {"timeout": 60}})


def optuna_worker(args):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=STUDY, storage=optuna_storage(args.scratch),
                              sampler=optuna.samplers.TPESampler(seed=args.seed + args.optuna_worker),
                              pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=args.min_resource, reduction_factor=3))
    study.optimize(objective_for(args, args.scratch), n_trials=args.trials, catch=(RuntimeError,),
                   callbacks=[optuna.study.MaxTrialsCallback(args.trials, states=None)])


def run_optuna(args, scratch):
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    log(f"optuna {optuna.__version__}: {WORKERS} workers, {args.trials} trials, SuccessiveHalvingPruner(min_resource="
        f"{args.min_resource}, reduction_factor=3)" + ("" if args.nnreg_parallel else ", NNREG_PARALLEL=0"))
    start, epoch = time.perf_counter(), time.time()
    optuna.create_study(study_name=STUDY, storage=optuna_storage(scratch), direction="maximize")
    workers = [subprocess.Popen([sys.executable, os.path.abspath(__file__)] + sys.argv[1:] +
                                ["--optuna-worker", str(i), "--scratch", scratch]) for i in range(WORKERS)]
    codes = [w.wait() for w in workers]
    wall = time.perf_counter() - start
    trials = optuna.load_study(study_name=STUDY, storage=optuna_storage(scratch)).get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    best = max(complete, key=lambda t: t.value, default=None)
    result = {"version": optuna.__version__, "wall_seconds": wall, "trials": len(trials),
              "pruned": sum(t.state == TrialState.PRUNED for t in trials),
              "failed": sum(t.state == TrialState.FAIL for t in trials),
              "best_val_accuracy": best.value if best else None,
              "best_test_accuracy": best.user_attrs.get("test_accuracy") if best else None,
              "best_params": best.params if best else None,
              "steps_trained": sum(t.user_attrs.get("step") or max(t.intermediate_values, default=0) for t in trials),
              "timeline": sorted((t.datetime_complete.timestamp() - epoch, t.value, t.user_attrs.get("test_accuracy"))
                                 for t in complete if t.user_attrs.get("test_accuracy") is not None)}
    if any(codes) or best is None:
        result["error"] = f"worker exit codes {codes}, {len(complete)} trials complete"
    return result


def time_to_reach(timeline, accuracy):
    """The first time the best finished trial so far, by val_accuracy, has at least `accuracy` on the test set."""
    best = None
    for seconds, value, test in timeline:
        if best is None or value > best[0]:
            best = (value, test)
        if best[1] >= accuracy:
            return seconds
    return None


def report(results):
    o = results.get("optuna") or {}
    n = results.get("nnreg") or {}  # the first variant: the ratios' base
    fmt = lambda v, spec: "" if v is None else format(v, spec)  # noqa: E731
    print(f"CPU: {results['cpu']}; {results['trials']} trials of up to {results['steps']} steps, {WORKERS} at a time; "
          f"first rung at {results['min_resource']} steps, ×3 after; every trial with {' '.join(results['fixed']) or 'no fixed option'}, seed {results['seed']}")
    print("| tool | trials | pruned | failed | best val_accuracy | its test accuracy | steps trained | wall s | wall / nnreg's |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = [(f"nnreg sweep (tpe, {p})", results[f"nnreg-{p}"]) for p in results["prunes"] if f"nnreg-{p}" in results]
    for label, r in rows + [(f"Optuna {o.get('version', '')} + nnreg train", o)]:
        if not r:
            continue
        if "pending" in r or ("error" in r and "trials" not in r):
            print(f"| {label} | {r.get('pending') or r['error']} | | | | | | {fmt(r.get('wall_seconds'), '.1f')} | |")
            continue
        ratio = f"{r['wall_seconds'] / n['wall_seconds']:.2f}x" if n.get("wall_seconds") and "trials" in n else ""
        print(f"| {label} | {r['trials']} | {r['pruned']} | {r['failed']} | {fmt(r['best_val_accuracy'], '.4f')} | "
              f"{fmt(r['best_test_accuracy'], '.4f')} | {fmt(r['steps_trained'], ',')} | {r['wall_seconds']:.1f} | {ratio} |")
    for label, r in rows:
        if r.get("steps_resumed_saved"):
            print(f"{label}: promotions continued from checkpoints, not training {r['steps_resumed_saved']:,} steps again "
                  f"(about {r.get('seconds_resumed_saved') or 0:.1f} s of one core); scheduler {r.get('scheduler_ms_per_trial') or 0:.2f} ms per trial")
    # Anytime: when each tool's best trial so far (by val_accuracy) first had at least the other's final test accuracy.
    for label, r in rows:
        for mine, theirs, name in ((r, o, "Optuna"), (o, r, label)):
            if mine.get("timeline") and theirs.get("best_test_accuracy") is not None:
                reached = time_to_reach(mine["timeline"], theirs["best_test_accuracy"])
                who = "Optuna" if mine is o else label
                print(f"{who} reached {name}'s final test accuracy {theirs['best_test_accuracy']:.4f} "
                      + (f"at {reached:.1f} s" if reached is not None else "never") + f" (its whole search: {mine['wall_seconds']:.1f} s)")
    for name, r in [(f"nnreg {p}", results.get(f"nnreg-{p}") or {}) for p in results["prunes"]] + [("optuna", o)]:
        if r.get("best_params"):
            print(f"best params, {name}: {json.dumps(r['best_params'])}")
        if r.get("error"):
            print(f"{name}: FAILED: {r['error']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nnreg", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--display-step", type=int, default=100)
    parser.add_argument("--min-resource", type=int, help="the first rung (default: STEPS/27 up to a display step)")
    parser.add_argument("--seed", type=int, default=1, help="the samplers' seed and every trial's training seed")
    parser.add_argument("--fixed", action="append", metavar="NAME=VALUE",
                        help=f"a train option every trial of both tools has (repeatable; default {' '.join(FIXED)}; 'none' for none)")
    parser.add_argument("--skip-nnreg", action="store_true")
    parser.add_argument("--prune", default="asha,halving", help="nnreg's pruners to run, in turn (default asha,halving)")
    parser.add_argument("--skip-optuna", action="store_true")
    parser.add_argument("--nnreg-parallel", action="store_true", help="let each Optuna trial use both cores")
    parser.add_argument("--json-out", help="write the figures to this file as JSON")
    parser.add_argument("--optuna-worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.nnreg, args.data = os.path.abspath(args.nnreg), os.path.abspath(args.data)
    args.fixed = FIXED if args.fixed is None else [f for f in args.fixed if f != "none"]
    for fixed in args.fixed:
        if "=" not in fixed or fixed.startswith("="):
            parser.error(f"--fixed takes NAME=VALUE, a train option and its value (got '{fixed}')")
    if args.min_resource is None:
        args.min_resource = max(1, math.ceil(args.steps / 27 / args.display_step)) * args.display_step
    if args.optuna_worker is not None:
        return optuna_worker(args)
    results = {"cpu": cpu_model(), "trials": args.trials, "steps": args.steps, "display_step": args.display_step,
               "min_resource": args.min_resource, "workers": WORKERS, "fixed": args.fixed, "seed": args.seed, "load_at_start": os.getloadavg()[0],
               "prunes": [] if args.skip_nnreg else args.prune.split(",")}
    for prune in results["prunes"]:
        with tempfile.TemporaryDirectory(prefix="sweep-bench-nnreg-") as scratch:
            results[f"nnreg-{prune}"] = run_nnreg(args, scratch, prune)
    if results["prunes"]:
        results["nnreg"] = results[f"nnreg-{results['prunes'][0]}"]
    if not args.skip_optuna:
        with tempfile.TemporaryDirectory(prefix="sweep-bench-optuna-") as scratch:
            results["optuna"] = run_optuna(args, scratch)
    n, o = results.get("nnreg") or {}, results.get("optuna") or {}
    if n.get("wall_seconds") and o.get("wall_seconds") and "trials" in n:
        results["optuna_over_nnreg_wall"] = o["wall_seconds"] / n["wall_seconds"]
    report(results)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(results, f, indent=2)
    if any(results.get(f"nnreg-{p}", {}).get("error") for p in results["prunes"]) or o.get("error"):
        sys.exit(1)


if __name__ == "__main__":
    main()
