Ò
'"serve*2.15.02v2.15.0-0-g6887368d6d4ô

xPlaceholder*
dtype0

w
VariableV2*
dtype0

w/readIdentityw

MatMulMatMulxw/read

yReluPyFunc
 

save/ConstConst*
dtype0
!
save/SaveV2/tensor_namesConst
%
save/SaveV2/shape_and_slicesConst
\
save/SaveV2SaveV2
save/Constsave/SaveV2/tensor_namessave/SaveV2/shape_and_slicesw
=
save/control_dependencyIdentity
save/Const^save/SaveV2
_
save/RestoreV2	RestoreV2
save/Constsave/SaveV2/tensor_namessave/SaveV2/shape_and_slices
(
save/AssignAssignwsave/RestoreV2
&
save/restore_allNoOp^save/Assign
-
PyFuncPyFuncMatMul*
token
pyfunc_0"†
=
save/Const:0save/control_dependency:0save/restore_all8*q
serving_default^

x
x:0ÿÿÿÿÿÿÿÿÿ
y
y:0ÿÿÿÿÿÿÿÿÿtensorflow/serving/predict