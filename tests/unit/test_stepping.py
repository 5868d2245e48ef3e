"""Adaptive step controller: milestones are hit exactly, steps grow, cut back and fail."""

import pytest

from battchem.stepping import StepController, StepFailure


def make(**kw):
    args = dict(dt_initial=1.0, dt_min=1e-3, dt_max=8.0, growth=2.0, cutback=0.5, easy_iterations=3,
                max_cutbacks=3)
    args.update(kw)
    return StepController(**args)


def test_steps_land_exactly_on_milestones_without_slivers():
    ctrl = make()
    t, times, milestones = 0.0, [], [10.0, 10.5, 30.0]
    while t < 30.0:
        dt, on = ctrl.propose(t, milestones)
        t = t + dt
        if on:
            t = min(milestones, key=lambda m: abs(m - t))
        times.append(t)
        ctrl.accepted(dt, iterations=1)
    for m in milestones:
        assert m in times
    steps = [b - a for a, b in zip([0.0] + times, times)]
    assert min(steps) >= 0.5 - 1e-12  # the 0.5 s between 10 and 10.5 is the smallest step
    assert max(steps) <= 8.0


def test_growth_only_after_easy_steps_and_change_control():
    ctrl = make()
    ctrl.accepted(1.0, iterations=10)
    assert ctrl.dt == 1.0
    ctrl.accepted(1.0, iterations=2)
    assert ctrl.dt == 2.0
    ctrl.target_change = 0.01
    ctrl.accepted(2.0, iterations=1, change=0.04)  # 4x the target: shrink, at most by cutback
    assert ctrl.dt == pytest.approx(1.0)
    assert ctrl.change_too_large(0.05) and not ctrl.change_too_large(0.015)


def test_cutback_then_failure():
    ctrl = make()
    ctrl.rejected(1.0)
    assert ctrl.dt == 0.5
    ctrl.rejected(0.5)
    ctrl.rejected(0.25)
    with pytest.raises(StepFailure):
        ctrl.rejected(0.125)
    ctrl2 = make(dt_initial=1e-3)
    with pytest.raises(StepFailure, match="dt_min"):
        ctrl2.rejected(1e-3)


def test_state_round_trip():
    ctrl = make()
    ctrl.accepted(1.0, iterations=1)
    other = make()
    other.restore(ctrl.state())
    assert other.dt == ctrl.dt == 2.0
