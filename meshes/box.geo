// A box [0, L] x [0, W] x [0, D] (x: growth direction from the electrode at x = 0), tetrahedra of
// size h, finer near the electrode when near < 1 (size near*h up to x = band).
// Physical groups: volume "domain"; surfaces "electrode" (x = 0), "electrolyte" (x = L), "sides".
SetFactory("OpenCASCADE");
DefineConstant[ L = 1, W = 1, D = 1, h = 0.1, near = 1.0, band = 0.0 ];
Box(1) = {0, 0, 0, L, W, D};
Field[1] = Box;
Field[1].VIn = near * h;
Field[1].VOut = h;
Field[1].XMin = -1; Field[1].XMax = band;
Field[1].YMin = -1; Field[1].YMax = W + 1;
Field[1].ZMin = -1; Field[1].ZMax = D + 1;
Field[1].Thickness = 2 * h;
Background Field = 1;
Mesh.MeshSizeExtendFromBoundary = 0;
Mesh.MeshSizeFromPoints = 0;
Mesh.MeshSizeFromCurvature = 0;
Physical Volume("domain", 1) = {1};
e() = Surface In BoundingBox{-1e-6 * L, -1e-6, -1e-6, 1e-6 * L, W + 1e-6, D + 1e-6};
l() = Surface In BoundingBox{L - 1e-6 * L, -1e-6, -1e-6, L + 1e-6 * L, W + 1e-6, D + 1e-6};
all() = Surface{:};
Physical Surface("electrode", 1) = {e()};
Physical Surface("electrolyte", 2) = {l()};
Physical Surface("sides", 3) = {all()};
Physical Surface("sides", 3) -= {e(), l()};
