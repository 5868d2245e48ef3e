// A 1-D metal electrode: x = 0 its interface with the solid electrolyte, x = L the current
// collector, meshed finer toward the interface where the vacancies are made.
// Parameters (dimensionless; battchem scales the mesh): L length, n elements, grading (< 1: the
// interface element is about grading times the collector one; 1 uniform).
// Physical groups: line "metal"; points "interface" (x = 0) and "collector" (x = L).
DefineConstant[ L = 1, n = 200, grading = 1.0 ];
Point(1) = {0, 0, 0};
Point(2) = {L, 0, 0};
Line(1) = {1, 2};
If (grading < 1)
  Transfinite Curve{1} = n + 1 Using Progression (1.0 / grading)^(1.0 / (n - 1));
Else
  Transfinite Curve{1} = n + 1;
EndIf
Physical Line("metal", 1) = {1};
Physical Point("interface", 1) = {1};
Physical Point("collector", 2) = {2};
