// Single-edge-notched square plate (Miehe, Hofacker & Welschinger 2010), side L, with a straight
// slit of length a from the middle of the left edge (y = L/2). The slit is geometric: its two
// faces are distinct curves meshed with separate nodes (built-in kernel, no coherence), so the
// plate is cut along 0 <= x <= a.
// Parameters (dimensionless; battchem scales the mesh):
//   L side, a notch length, h_band element size in the crack band, h_far element size elsewhere,
//   band half-width of the band (|y - L/2| <= band, x >= a - band, for tension),
//   shear (1: the band covers the lower-right region x >= a - band, y <= L/2 + band, where the
//   shear crack curves down toward the bottom-right corner), transition width of the size ramp.
// Physical groups: surface "plate"; curves "bottom", "top", "left", "right", "notch" (both faces).
DefineConstant[ L = 1, a = 0.5, h_band = 0.0075, h_far = 0.05, band = 0.06, shear = 0,
                transition = 0.1 ];
Geometry.AutoCoherence = 0;  // keep the coincident slit faces apart

c = L / 2;
Point(1) = {0, 0, 0};
Point(2) = {L, 0, 0};
Point(3) = {L, c, 0};
Point(4) = {L, L, 0};
Point(5) = {0, L, 0};
Point(6) = {0, c, 0};   // notch mouth, upper face
Point(7) = {0, c, 0};   // notch mouth, lower face
Point(8) = {a, c, 0};   // notch tip

Line(1) = {1, 2};   // bottom
Line(2) = {2, 3};   // right, lower half
Line(3) = {3, 8};   // ligament (shared by both halves)
Line(4) = {8, 7};   // lower slit face
Line(5) = {7, 1};   // left, lower half
Line(6) = {3, 4};   // right, upper half
Line(7) = {4, 5};   // top
Line(8) = {5, 6};   // left, upper half
Line(9) = {6, 8};   // upper slit face

Curve Loop(1) = {1, 2, 3, 4, 5};
Plane Surface(1) = {1};
Curve Loop(2) = {6, 7, 8, 9, -3};
Plane Surface(2) = {2};

Physical Surface("plate", 1) = {1, 2};
Physical Curve("bottom", 1) = {1};
Physical Curve("top", 2) = {7};
Physical Curve("left", 3) = {5, 8};
Physical Curve("right", 4) = {2, 6};
Physical Curve("notch", 5) = {4, 9};

// Element size: h_band inside the crack band, growing linearly to h_far over `transition`.
Field[1] = Box;
Field[1].VIn = h_band;
Field[1].VOut = h_far;
Field[1].XMin = a - band;
Field[1].XMax = L + 1;
Field[1].YMax = c + band;
If (shear)
  Field[1].YMin = -1;
Else
  Field[1].YMin = c - band;
EndIf
Field[1].Thickness = transition;
Background Field = 1;
Mesh.MeshSizeExtendFromBoundary = 0;
Mesh.MeshSizeFromPoints = 0;
Mesh.MeshSizeFromCurvature = 0;
Mesh.Algorithm = 6;  // Frontal-Delaunay: well-shaped triangles in the graded band
