// Interval [0, L] (the radius of a spherically symmetric particle, r in [0, R]).
// Parameters (dimensionless; battchem scales the mesh): L length, n number of elements, grading (>1 refines toward x = L: each element
// is 1/grading the size of its left neighbour; 1 for uniform).
// Physical groups: line "particle"; points "centre" (x = 0) and "surface" (x = L).
DefineConstant[ L = 1, n = 100, grading = 1.0 ];
Point(1) = {0, 0, 0};
Point(2) = {L, 0, 0};
Line(1) = {1, 2};
Transfinite Curve{1} = n + 1 Using Progression 1.0 / grading;
Physical Line("particle", 1) = {1};
Physical Point("centre", 2) = {1};
Physical Point("surface", 1) = {2};
