"""The report's two plots: requests against latency, and one task's polls."""

from __future__ import annotations

import pathlib

from suno_async import PollPolicy

from . import poll_efficiency

__all__ = ["pareto", "timeline"]

_EXAMPLE_TASK = 0  # the reference timeline drawn in the timeline plot
_PROTOTYPE_MARKERS = {
    "default + per-task pace (prototype)": "D",
    "default + learned pace (prototype)": "v",
}


def pareto(eff: poll_efficiency.Efficiency, path: pathlib.Path) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5.2), dpi=110)
    sweep = sorted((r.mean_latency, r.requests) for _, r in eff.fixed_sweep)
    ax.plot(
        [p[0] for p in sweep],
        [p[1] for p in sweep],
        color="0.6",
        lw=1.5,
        label="fixed interval, 0.5 to 12 s",
        zorder=1,
    )
    styles = {
        "fixed": ("o", "0.35"),
        "exponential": ("s", "tab:orange"),
        "default": ("*", "tab:blue"),
        "prototype": ("D", "tab:green"),
    }
    kinds = {c.label: c.kind for c in poll_efficiency.candidates()}
    for r in eff.runs:
        kind = kinds.get(r.label, "")
        marker, color = styles.get(kind, ("x", "k"))
        label = r.label.replace("**", "")
        if kind in ("default", "prototype"):  # a tight cluster: name them in the legend
            size = 260 if kind == "default" else 45
            ax.scatter(
                r.mean_latency,
                r.requests,
                marker=marker if kind == "default" else _PROTOTYPE_MARKERS[label],
                s=size,
                color=color,
                zorder=3 if kind == "default" else 4,
                label=f"{label}: {r.requests:.1f} req, {r.mean_latency:.2f} s",
            )
            continue
        ax.scatter(
            r.mean_latency, r.requests, marker=marker, s=55, color=color, zorder=3
        )
        ax.annotate(
            label,
            (r.mean_latency, r.requests),
            textcoords="offset points",
            xytext=(6, 4),
            fontsize=7.5,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("mean detection latency per milestone (s, log)")
    ax.set_ylabel("requests per task (log)")
    ax.set_title(
        f"Requests against latency: {eff.tasks:,} reference tasks, virtual time"
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower left", fontsize=7.5)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def timeline(path: pathlib.Path) -> None:
    import matplotlib.pyplot as plt

    offsets = poll_efficiency.reference_timelines(_EXAMPLE_TASK + 1)[_EXAMPLE_TASK]
    rows = [
        ("default (phased)", PollPolicy(), "tab:blue"),
        ("fixed 3 s", PollPolicy.fixed(3.0), "0.35"),
    ]
    fig, ax = plt.subplots(figsize=(9, 3.0), dpi=110)
    end = offsets[-1] + 6
    starts = (0.0, *offsets)
    names = ("pending", "text", "first track", "success")
    shades = ("#f2f2f2", "#e3eefa", "#e6f4e6", "#fdf3e1")
    for i, name in enumerate(names):
        stop = offsets[i] if i < 3 else end
        ax.axvspan(starts[i], stop, color=shades[i], zorder=0)
        where = (starts[i] + stop) / 2 if i < 3 else starts[i] + 1
        ax.text(where, 2.55, name, ha="center" if i < 3 else "left", fontsize=8)
    for offset in offsets:
        ax.axvline(offset, color="k", lw=1, ls="--", zorder=1)
    for y, (label, policy, color) in enumerate(rows):
        polls = poll_efficiency.trace(policy, offsets)
        ax.scatter(polls, [2 - y - 0.5] * len(polls), marker="|", s=300, color=color)
        ax.text(
            end + 1,
            2 - y - 0.5,
            f"{label}: {len(polls)} polls",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, end + 32)
    ax.set_ylim(0, 2.8)
    ax.set_yticks([])
    ax.set_xlabel(
        "seconds since the task was created (dashed: server-side transitions)"
    )
    ax.set_title("One reference task and the polls that watch it", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
