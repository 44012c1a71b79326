"""The step throttle of the torch worker, on a hand-set clock (the same cases as test/unit/train/runFiles.test.ts)."""
import unittest

from two_tower_lab.events import StepThrottle


class StepThrottleTest(unittest.TestCase):
    def test_rate_is_measured_from_the_start_of_the_next_steps_not_across_an_evaluation(self):
        clock = {"t": 0.0}
        throttle = StepThrottle(250, 2, lambda: clock["t"])
        clock["t"] = 0.1
        throttle.add(1.0, 10)
        clock["t"] = 0.2
        self.assertAlmostEqual(throttle.add(1.0, 10)[1], 100.0, places=6)
        # An evaluation takes 5 s, then the next epoch's steps start: 20 examples in 0.2 s, not in 5.2 s.
        clock["t"] = 5.2
        throttle.start_window()
        clock["t"] = 5.3
        throttle.add(1.0, 10)
        clock["t"] = 5.4
        self.assertAlmostEqual(throttle.add(1.0, 10)[1], 100.0, places=6)
        # A pending step keeps its window: 10 examples from 5.4 to 5.6 s after a start asked for at 5.5 s.
        clock["t"] = 5.5
        throttle.add(1.0, 10)
        throttle.start_window()
        clock["t"] = 5.6
        self.assertAlmostEqual(throttle.flush()[1], 50.0, places=6)


if __name__ == "__main__":
    unittest.main()
