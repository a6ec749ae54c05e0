// Single-op ONNX models for the onnxruntime-web peer, built in code: a protobuf writer for the few
// ModelProto fields a one-node graph needs (field numbers from onnx/onnx.proto), so the benchmark
// needs no .onnx files and no protobuf dependency.

/** Protobuf wire types. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Appends protobuf fields; nested messages are written by a child writer and added as bytes. */
class ProtoWriter {
  private readonly bytes: number[] = [];

  private varint(value: bigint): void {
    // int64 fields hold negative values as their 64-bit two's complement (10 bytes on the wire).
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bytes.push(Number(v));
  }

  private key(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  int(field: number, value: number): this {
    this.key(field, VARINT);
    this.varint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, FIXED32);
    const b = new Uint8Array(new Float32Array([value]).buffer);
    this.bytes.push(...b);
    return this;
  }

  bytesField(field: number, value: Uint8Array): this {
    this.key(field, LENGTH_DELIMITED);
    this.varint(BigInt(value.length));
    this.bytes.push(...value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    build(child);
    return this.bytesField(field, child.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

// onnx.proto: TensorProto.DataType.FLOAT and AttributeProto.AttributeType.{FLOAT, INT, STRING}.
const ELEM_FLOAT = 1;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;

export type OnnxAttribute = { readonly name: string } &
  ({ readonly float: number } | { readonly int: number } | { readonly string: string });

export interface SingleOpModel {
  /** ONNX operator, such as 'Elu' or 'Softmax' (default domain). */
  readonly opType: string;
  readonly attributes?: readonly OnnxAttribute[];
  /** Shape of the input `x` and of the output `y`. */
  readonly shape: readonly number[];
  /** A scalar second input baked into the model as an initializer named `b` (Mul by a constant). */
  readonly scalarInitializer?: number;
  /** The operator's domain ('com.microsoft' for ORT's contrib ops such as QuickGelu); default ''. */
  readonly domain?: string;
  /** The default domain's opset the operator needs (Gelu: 20, Mish: 18); default OPSET. */
  readonly opset?: number;
}

/** opset 17: Softmax-13 normalises along one axis; Relu-14, Elu-6, LeakyRelu-16, Sigmoid-13, Tanh-13, Mul-14. */
const OPSET = 17;
const IR_VERSION = 8;

function valueInfo(w: ProtoWriter, name: string, shape: readonly number[]): void {
  w.string(1, name).message(2, (type) =>
    type.message(1, (tensor) =>
      tensor.int(1, ELEM_FLOAT).message(2, (s) => {
        for (const d of shape) s.message(1, (dim) => dim.int(1, d));
      }),
    ),
  );
}

/** Serialised ModelProto of `y = opType(x[, b])`, with static shapes. */
export function singleOpModel(spec: SingleOpModel): Uint8Array {
  const inputs = spec.scalarInitializer === undefined ? ['x'] : ['x', 'b'];
  const model = new ProtoWriter()
    .int(1, IR_VERSION) // ir_version
    .string(2, 'webgpu-activations bench') // producer_name
    .message(7, (graph) => {
      graph.message(1, (node) => {
        for (const i of inputs) node.string(1, i);
        node.string(2, 'y').string(3, spec.opType).string(4, spec.opType);
        for (const a of spec.attributes ?? []) {
          node.message(5, (attr) => {
            attr.string(1, a.name);
            if ('float' in a) attr.float(2, a.float).int(20, ATTR_FLOAT);
            else if ('int' in a) attr.int(3, a.int).int(20, ATTR_INT);
            else attr.string(4, a.string).int(20, ATTR_STRING);
          });
        }
        if (spec.domain) node.string(7, spec.domain);
      });
      graph.string(2, `${spec.opType} ${spec.shape.join('x')}`);
      if (spec.scalarInitializer !== undefined) {
        // TensorProto: data_type = 1, float_data = 4, name = 8; no dims makes it a scalar.
        const value = spec.scalarInitializer;
        graph.message(5, (t) => t.int(2, ELEM_FLOAT).float(4, value).string(8, 'b'));
      }
      graph.message(11, (v) => valueInfo(v, 'x', spec.shape));
      graph.message(12, (v) => valueInfo(v, 'y', spec.shape));
    })
    .message(8, (opset) => opset.string(1, '').int(2, spec.opset ?? OPSET)); // opset_import
  if (spec.domain) model.message(8, (opset) => opset.string(1, spec.domain!).int(2, 1));
  return model.finish();
}
