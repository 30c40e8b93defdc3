 
'"serve*2.15.02v2.15.0-0-g6887368d6d4£
-
serving_default_xPlaceholder*
dtype0
(
dense/kernelVarHandleOp*
dtype0
*
saver_filenamePlaceholder*
dtype0
~
StatefulPartitionedCallStatefulPartitionedCallserving_default_xdense/kernel*)
f$R"
 __inference_signature_wrapper_42
x
StatefulPartitionedCall_1StatefulPartitionedCallsaver_filenamedense/kernel*$
fR
__inference__traced_save_77
{
StatefulPartitionedCall_2StatefulPartitionedCallsaver_filenamedense/kernel*'
f"R 
__inference__traced_restore_88

NoOpNoOp‘
‚
"
 __inference_signature_wrapper_42\
StatefulPartitionedCallStatefulPartitionedCallxunknown*
fR
__inference_call_41
ã

__inference_call_41G
MatMul/ReadVariableOpReadVariableOpmatmul_readvariableop_resource7
MatMulMatMulinputsMatMul/ReadVariableOp:value:0
ReluReluMatMul:product:0(
IdentityIdentityRelu:activations:0
É

__inference__traced_save_779
Sta