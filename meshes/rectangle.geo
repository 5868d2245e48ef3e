// A rectangle [0, L] x [0, W] (x: growth direction from the electrode at x = 0), triangles of size
// h, finer near the electrode when near < 1 (size near*h up to x = band).
// Physical groups: surface "domain"; curves "electrode" (x = 0), "electrolyte" (x = L), "sides".
DefineConstant[ L = 1, W = 1, h = 0.05, near = 1.0, band = 0.0 ];
Point(1) = {0, 0, 0};
Point(2) = {L, 0, 0};
Point(3) = {L, W, 0};
Point(4) = {0, W, 0};
Line(1) = {1, 2};
Line(2) = {2, 3};
Line(3) = {3, 4};
Line(4) = {4, 1};
Curve Loop(1) = {1, 2, 3, 4};
Plane Surface(1) = {1};
Field[1] = Box;
Field[1].VIn = near * h;
Field[1].VOut = h;
Field[1].XMin = -1; Field[1].XMax = band;
Field[1].YMin = -1; Field[1].YMax = W + 1;
Field[1].Thickness = 2 * h;
Background Field = 1;
Mesh.MeshSizeExtendFromBoundary = 0;
Mesh.MeshSizeFromPoints = 0;
Mesh.MeshSizeFromCurvature = 0;
Physical Surface("domain", 1) = {1};
Physical Curve("electrode", 1) = {4};
Physical Curve("electrolyte", 2) = {2};
Physical Curve("sides", 3) = {1, 3};
