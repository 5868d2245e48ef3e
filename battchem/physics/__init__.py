"""Building blocks: pure functions from dolfinx objects and parameters to UFL forms/expressions.

No I/O, no time loops, no MPI logic here.
"""
