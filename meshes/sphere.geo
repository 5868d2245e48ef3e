// Solid sphere of radius R centred at the origin, full or one octant (x, y, z >= 0).
// Parameters, dimensionless (battchem sets them with gmsh.parser.setNumber and scales the mesh
// afterwards, which keeps OpenCASCADE tolerances away from micrometre-sized geometry):
//   R      radius
//   h      target element size
//   octant 1: keep the octant and tag its three symmetry planes; 0: full sphere
//   band, h_band, transition: optional refined band |y| <= band (the plane y = 0 holds flaws at
//     angle 0 or 180 degrees) with element size h_band, growing linearly to h over `transition`
//     (band = 0: uniform size h)
// Physical groups: volume "particle"; surfaces "surface" (the sphere),
// "symmetry_x", "symmetry_y", "symmetry_z" (the planes x = 0, y = 0, z = 0 of the octant).
SetFactory("OpenCASCADE");
DefineConstant[ R = 1, h = 0.2, octant = 1, band = 0, h_band = 0.2, transition = 0.3 ];

If (octant)
  Sphere(1) = {0, 0, 0, R, 0, Pi/2, Pi/2};
Else
  Sphere(1) = {0, 0, 0, R};
EndIf

eps = 1e-3 * R;
sx() = Surface In BoundingBox{-eps, -eps, -eps, eps, R + eps, R + eps};
sy() = Surface In BoundingBox{-eps, -eps, -eps, R + eps, eps, R + eps};
sz() = Surface In BoundingBox{-eps, -eps, -eps, R + eps, R + eps, eps};
outer() = Abs(Boundary{ Volume{1}; });
outer() -= {sx(), sy(), sz()};

Physical Volume("particle", 1) = {1};
Physical Surface("surface", 1) = {outer()};
If (octant)
  Physical Surface("symmetry_x", 2) = {sx()};
  Physical Surface("symmetry_y", 3) = {sy()};
  Physical Surface("symmetry_z", 4) = {sz()};
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
Mesh.MeshSizeExtendFromBoundary = 1;
