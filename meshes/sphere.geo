// Solid sphere of radius R centred at the origin, full or one octant (x, y, z >= 0).
// Parameters, dimensionless (battchem sets them with gmsh.parser.setNumber and scales the mesh
// afterwards, which keeps OpenCASCADE tolerances away from micrometre-sized geometry):
//   R      radius
//   h      target element size
//   octant 1: keep the octant and tag its three symmetry planes; 0: full sphere
// Physical groups: volume "particle"; surfaces "surface" (the sphere),
// "symmetry_x", "symmetry_y", "symmetry_z" (the planes x = 0, y = 0, z = 0 of the octant).
SetFactory("OpenCASCADE");
DefineConstant[ R = 1, h = 0.2, octant = 1 ];

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
Mesh.MeshSizeMin = h / 4;
Mesh.MeshSizeFromCurvature = 0;
Mesh.MeshSizeExtendFromBoundary = 1;
