"""The shared protocol (battchem.protocol): segments and cycles, nominal ends as milestones,
landing on an end condition inside a step, end records, checkpoint state."""

import math

import pytest

from battchem.protocol import Schedule, Segment, Until


class Hold(Segment):
    """A test segment with a control value."""

    value: float = 0.0


def test_segments_repeat_for_the_cycles_and_record_their_ends():
    s = Schedule([Hold(value=1.0, duration=10.0), Hold(value=-1.0)], cycles=2)
    assert s.count == 4 and s.cycle == 1 and s.current.value == 1.0
    s.begin(0.0)
    assert s.milestones() == [10.0] and s.at_end(10.0) and not s.at_end(9.9)
    s.next(10.0, "reached its end")
    s.begin(10.0, estimated_end=25.0)  # a condition segment with a predicted end
    assert s.current.value == -1.0 and s.end == 25.0
    s.next(23.0, "voltage fell to 3")
    s.begin(23.0)
    assert s.cycle == 2 and s.end == 33.0
    s.next(33.0, "reached its end")
    s.begin(33.0)  # no duration, no estimate: only its condition can end it
    assert s.milestones() == [] and math.isinf(s.end)
    s.next(40.0, "capacity reached")
    assert s.finished and s.finished_at == 40.0
    assert [(e.index, e.cycle, e.time) for e in s.ends] == [(0, 1, 10.0), (1, 1, 23.0), (0, 2, 33.0), (1, 2, 40.0)]


def test_landing_interpolates_the_crossing_and_keeps_the_retry_useful():
    rising = Until("soc", 0.9, rising=True)
    # 0.8 → 1.0 over dt = 10: the target is crossed halfway
    assert Schedule.landing(rising, 0.8, 1.0, 10.0) == pytest.approx(5.0)
    assert Schedule.landing(rising, 0.8, 0.85, 10.0) is None  # not reached
    assert Schedule.landing(rising, 0.8, 0.9005, 10.0, tol=1e-3) is None  # within the tolerance
    assert Schedule.landing(rising, 0.8999, 2.0, 10.0) == pytest.approx(0.5)  # at least 5 % of the step
    falling = Until("voltage", 3.0, rising=False)
    assert Schedule.landing(falling, 3.4, 2.6, 4.0) == pytest.approx(2.0)
    assert falling.reached(3.0005, tol=1e-3) and not falling.reached(3.01)


def test_state_round_trip():
    s = Schedule([Hold(duration=5.0)], cycles=3)
    s.begin(0.0)
    s.next(5.0, "reached its end")
    s.begin(5.0)
    again = Schedule([Hold(duration=5.0)], cycles=3)
    again.restore(s.state())
    assert (again.index, again.start, again.end, again.ends) == (s.index, s.start, s.end, s.ends)


def test_a_forced_restart_with_another_duration_moves_the_segment_end():
    """The active segment's end follows a changed duration (restart --force); an end that came
    from a condition's estimate is kept."""
    s = Schedule([Hold(duration=5.0), Hold(duration=90.0)])
    s.begin(0.0)
    s.next(5.0, "reached its end")
    s.begin(5.0)
    longer = Schedule([Hold(duration=5.0), Hold(duration=120.0)])
    longer.restore(s.state())
    assert longer.end == 125.0 and longer.milestones() == [125.0]
    estimated = Schedule([Hold(duration=100.0)])
    estimated.begin(0.0, estimated_end=30.0)
    again = Schedule([Hold(duration=200.0)])
    again.restore(estimated.state())
    assert again.end == 30.0
