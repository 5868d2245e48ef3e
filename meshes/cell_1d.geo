// A 1-D cell: the electrolyte between the counter electrode (x = 0) and the working electrode
// (x = L), meshed finer at both electrodes where the concentration and potential change fastest.
// Parameters (dimensionless; battchem scales the mesh): L length, n number of elements, bump
// (< 1 refines toward both ends: the end elements are about bump times the middle ones; 1 uniform).
// Physical groups: line "electrolyte"; points "counter" (x = 0) and "working" (x = L).
DefineConstant[ L = 1, n = 200, bump = 1.0 ];
Point(1) = {0, 0, 0};
Point(2) = {L, 0, 0};
Line(1) = {1, 2};
If (bump < 1)
  Transfinite Curve{1} = n + 1 Using Bump bump;
Else
  Transfinite Curve{1} = n + 1;
EndIf
Physical Line("electrolyte", 1) = {1};
Physical Point("counter", 1) = {1};
Physical Point("working", 2) = {2};
