// Two-layer strip [0, L1 + L2] x [0, H]: layer 1 (x <= L1) and layer 2 (x >= L1), meshed
// conformingly on their common interface x = L1.
// Parameters (dimensionless; battchem scales the mesh): L1, L2 layer thicknesses, H height,
// h element size.
// Physical groups: surfaces "layer1", "layer2"; curves "left" (x = 0), "right" (x = L1 + L2),
// "bottom", "top" (both layers) and "interface" (x = L1).
DefineConstant[ L1 = 1, L2 = 1, H = 0.5, h = 0.1 ];
Point(1) = {0, 0, 0, h};
Point(2) = {L1, 0, 0, h};
Point(3) = {L1 + L2, 0, 0, h};
Point(4) = {L1 + L2, H, 0, h};
Point(5) = {L1, H, 0, h};
Point(6) = {0, H, 0, h};

Line(1) = {1, 2};   // bottom, layer 1
Line(2) = {2, 3};   // bottom, layer 2
Line(3) = {3, 4};   // right
Line(4) = {4, 5};   // top, layer 2
Line(5) = {5, 6};   // top, layer 1
Line(6) = {6, 1};   // left
Line(7) = {2, 5};   // interface

Curve Loop(1) = {1, 7, 5, 6};
Plane Surface(1) = {1};
Curve Loop(2) = {2, 3, 4, -7};
Plane Surface(2) = {2};

Physical Surface("layer1", 1) = {1};
Physical Surface("layer2", 2) = {2};
Physical Curve("left", 1) = {6};
Physical Curve("right", 2) = {3};
Physical Curve("bottom", 3) = {1, 2};
Physical Curve("top", 4) = {4, 5};
Physical Curve("interface", 5) = {7};
