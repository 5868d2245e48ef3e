// Disk of radius R centred at the origin, full or one quadrant (x, y >= 0).
// Used for the 2-D plane-strain particle section and, as the quadrant r >= 0, z >= 0 of the
// (r, z) half-plane, for the axisymmetric sphere.
// Parameters (dimensionless; battchem scales the mesh): R radius, h element size, quarter (1: quadrant
// with tagged symmetry lines),
//   band, h_band, transition: optional refined band |y| <= band (the plane y = 0 holds flaws at
//     angle 0 or 180 degrees) with element size h_band, growing linearly to h over `transition`
//     (band = 0: uniform size h)
// Physical groups: surface "particle"; curves "surface" (the circle), "symmetry_x" (x = 0),
// "symmetry_y" (y = 0).
SetFactory("OpenCASCADE");
DefineConstant[ R = 1, h = 0.1, quarter = 1, band = 0, h_band = 0.1, transition = 0.3 ];

If (quarter)
  Disk(1) = {0, 0, 0, R};
  Rectangle(2) = {0, 0, 0, 2 * R, 2 * R};
  BooleanIntersection(3) = { Surface{1}; Delete; }{ Surface{2}; Delete; };
Else
  Disk(3) = {0, 0, 0, R};
EndIf

eps = 1e-3 * R;
sx() = Curve In BoundingBox{-eps, -eps, -eps, eps, R + eps, eps};
sy() = Curve In BoundingBox{-eps, -eps, -eps, R + eps, eps, eps};
outer() = Abs(Boundary{ Surface{3}; });
outer() -= {sx(), sy()};

Physical Surface("particle", 1) = {3};
Physical Curve("surface", 1) = {outer()};
If (quarter)
  Physical Curve("symmetry_x", 2) = {sx()};
  Physical Curve("symmetry_y", 3) = {sy()};
EndIf

Mesh.MeshSizeMax = h;
If (band > 0)
  // element size h_band in the band |y| <= band around the expected crack plane, h elsewhere
  Field[1] = Box;
  Field[1].VIn = h_band;
  Field[1].VOut = h;
  Field[1].XMin = -2 * R;
  Field[1].XMax = 2 * R;
  Field[1].YMin = -band;
  Field[1].YMax = band;
  Field[1].ZMin = -2 * R;
  Field[1].ZMax = 2 * R;
  Field[1].Thickness = transition;
  Background Field = 1;
EndIf

Mesh.MeshSizeMin = Min(h, h_band) / 4;
Mesh.MeshSizeFromCurvature = 0;
