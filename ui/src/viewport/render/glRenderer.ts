// The WebGL2 renderer of one viewport. Grayscale frames are uploaded once as 16-bit (or
// 8-bit) integer textures; drawing only sets uniforms, so window/level, zoom, pan, rotate,
// flip and invert never touch the pixels again. Colour frames use an RGB8 texture. A frame
// of the same size and format as the last one (the next slice of a stack) overwrites the
// texture in place rather than allocating a new one. The drawing buffer is not preserved:
// every draw clears and redraws the whole canvas, so nothing needs the previous frame, and
// the compositor is spared a copy per frame. An image's VOI LUT Sequence table goes to a
// second integer texture (unit 1), uploaded again only when the table changes. An image
// shown smaller than its pixel size is box-filtered in the shader (taps chosen by ./minify
// from the scale on screen), by a program made for that many taps the first time it is
// needed; at 1:1 or larger it is sampled nearest, and so is every draw made while the image
// is changing interactively (./drawQuality decides when).
import type { FramePixels, VoiLut } from "../../ipc/backend";
import { fitScale, quadMatrix, type ViewState } from "../state";
import { NEAREST, samplingFor } from "./minify";
import { fragmentShader, VERTEX_SHADER, type ShaderKind } from "./shaders";
import { LUT_TEXTURE_WIDTH, type VoiMode } from "./voi";

interface ProgramInfo {
  program: WebGLProgram;
  uniforms: Record<string, WebGLUniformLocation | null>;
}

interface TextureFormat {
  internal: number;
  format: number;
  type: number;
}

const UNIFORMS = ["u_matrix", "u_image", "u_slope", "u_intercept", "u_center", "u_width", "u_invert", "u_lut", "u_lut_first", "u_lut_count", "u_lut_max", "u_footprint"];

export class GlRenderer {
  /** Draws asked for so far, so that a lone one can be told from one of a run. */
  private draws = 0;
  private readonly gl: WebGL2RenderingContext;
  /** Programs by kind, taps per axis and VOI stage ("unsigned/1/LINEAR"), each compiled when first drawn with. */
  private readonly programs = new Map<string, ProgramInfo>();
  private readonly texture: WebGLTexture;
  private readonly lutTexture: WebGLTexture;
  /** The table in the LUT texture (null: a single zero texel). */
  private lut: VoiLut | null = null;
  private readonly vao: WebGLVertexArrayObject;
  private frame: Omit<FramePixels, "data"> | null = null;
  private kind: ShaderKind = "unsigned";
  /** What the texture's storage was last allocated as, so a like frame can reuse it. */
  private allocated: { columns: number; rows: number; format: FramePixels["format"] } | null = null;

  constructor(readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext("webgl2", { antialias: false, preserveDrawingBuffer: false });
    if (!gl) throw new Error("WebGL2 is not available");
    this.gl = gl;
    const texture = gl.createTexture();
    const lutTexture = gl.createTexture();
    const vao = gl.createVertexArray();
    const buffer = gl.createBuffer();
    if (!texture || !lutTexture || !vao || !buffer) throw new Error("WebGL2 resources could not be created");
    this.texture = texture;
    this.lutTexture = lutTexture;
    this.vao = vao;
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    for (const made of [lutTexture, texture]) {
      gl.bindTexture(gl.TEXTURE_2D, made);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    }
    this.uploadLut(null);
    gl.bindVertexArray(vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    // Every program binds a_position to location 0 before linking, so one VAO serves all.
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    // The nearest programs are made at once, so a broken context fails here, not mid-study.
    for (const kind of ["unsigned", "signed", "colour"] as const) this.program(kind, 1, "LINEAR");
  }

  /** The program for `kind`, `taps` per axis and `voi`, compiled the first time it is asked for. */
  private program(kind: ShaderKind, taps: number, voi: VoiMode): ProgramInfo {
    // Colour has one window whatever the mode: one program per tap count.
    const stage = kind === "colour" ? "LINEAR" : voi;
    const key = `${kind}/${taps}/${stage}`;
    let info = this.programs.get(key);
    if (!info) {
      try {
        info = this.compile(fragmentShader(kind, taps, stage));
      } catch (error) {
        // A driver that cannot build the filtering program still shows the image, nearest.
        if (taps === 1) throw error;
        info = this.program(kind, 1, stage);
      }
      this.programs.set(key, info);
    }
    return info;
  }

  private compile(fragmentSource: string): ProgramInfo {
    const gl = this.gl;
    const program = gl.createProgram();
    if (!program) throw new Error("WebGL2 program could not be created");
    for (const [type, source] of [
      [gl.VERTEX_SHADER, VERTEX_SHADER],
      [gl.FRAGMENT_SHADER, fragmentSource],
    ] as const) {
      const shader = gl.createShader(type);
      if (!shader) throw new Error("WebGL2 shader could not be created");
      gl.shaderSource(shader, source);
      gl.compileShader(shader);
      if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
        throw new Error(`shader: ${gl.getShaderInfoLog(shader) ?? "unknown error"}`);
      }
      gl.attachShader(program, shader);
    }
    gl.bindAttribLocation(program, 0, "a_position");
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      throw new Error(`program: ${gl.getProgramInfoLog(program) ?? "unknown error"}`);
    }
    const uniforms: ProgramInfo["uniforms"] = {};
    for (const name of UNIFORMS) uniforms[name] = gl.getUniformLocation(program, name);
    return { program, uniforms };
  }

  /** Uploads a frame's pixels; later draws reuse the texture. */
  upload(frame: FramePixels): void {
    const gl = this.gl;
    const { rows, columns, format } = frame;
    const { internal, format: pixelFormat, type } = this.textureFormat(format);
    const pixels = format === "u16" ? new Uint16Array(frame.data) : format === "i16" ? new Int16Array(frame.data) : new Uint8Array(frame.data);
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    const like = this.allocated;
    if (like && like.columns === columns && like.rows === rows && like.format === format) {
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, columns, rows, pixelFormat, type, pixels);
    } else {
      gl.texImage2D(gl.TEXTURE_2D, 0, internal, columns, rows, 0, pixelFormat, type, pixels);
      this.allocated = { columns, rows, format };
    }
    this.kind = format === "i16" ? "signed" : format === "rgb8" ? "colour" : "unsigned";
    if ((frame.voiLut ?? null) !== this.lut) this.uploadLut(frame.voiLut ?? null);
    this.frame = {
      rows,
      columns,
      format,
      slope: frame.slope,
      intercept: frame.intercept,
      windowCenter: frame.windowCenter,
      windowWidth: frame.windowWidth,
      invert: frame.invert,
      instanceNumber: frame.instanceNumber,
      sliceLocation: frame.sliceLocation,
      position: frame.position,
      orientation: frame.orientation,
    };
  }

  /** Lays a VOI LUT table out row after row in the LUT texture (a zero texel for none). */
  private uploadLut(lut: VoiLut | null): void {
    const gl = this.gl;
    const count = lut?.entries.length ?? 0;
    const width = Math.max(1, Math.min(count, LUT_TEXTURE_WIDTH));
    const height = Math.max(1, Math.ceil(count / LUT_TEXTURE_WIDTH));
    const texels = new Uint16Array(width * height);
    if (lut) texels.set(lut.entries);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, this.lutTexture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.R16UI, width, height, 0, gl.RED_INTEGER, gl.UNSIGNED_SHORT, texels);
    gl.activeTexture(gl.TEXTURE0);
    this.lut = lut;
  }

  private textureFormat(format: FramePixels["format"]): TextureFormat {
    const gl = this.gl;
    switch (format) {
      case "u16":
        return { internal: gl.R16UI, format: gl.RED_INTEGER, type: gl.UNSIGNED_SHORT };
      case "i16":
        return { internal: gl.R16I, format: gl.RED_INTEGER, type: gl.SHORT };
      case "u8":
        return { internal: gl.R8UI, format: gl.RED_INTEGER, type: gl.UNSIGNED_BYTE };
      case "rgb8":
        return { internal: gl.RGB8, format: gl.RGB, type: gl.UNSIGNED_BYTE };
    }
  }

  /**
   * Draws the current texture with the view's window, transform and inversion; nearest when
   * `interactive`. True when that left the image coarser than a settled draw would show it
   * (nearest where it would be filtered), so a filtered redraw is worth making.
   */
  draw(view: ViewState, interactive = false): boolean {
    const coarse = this.render(view, interactive);
    // WebKitGTK without its DMA-BUF renderer (the default on a machine with no GPU render
    // node) may not present a WebGL canvas drawn in a lone frame until something draws
    // again: an image just opened, or jumped to, stayed black on screen. So a draw that no
    // other follows within a frame is made once more at the next one.
    const drawn = ++this.draws;
    requestAnimationFrame(() => {
      if (this.draws === drawn && this.frame) this.render(view, interactive);
    });
    return coarse;
  }

  /** The GL work of `draw`. */
  private render(view: ViewState, interactive: boolean): boolean {
    const gl = this.gl;
    const width = this.canvas.width;
    const height = this.canvas.height;
    gl.viewport(0, 0, width, height);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    const frame = this.frame;
    if (!frame) return false;
    // Device pixels per image pixel: the canvas is sized in device pixels.
    const settled = samplingFor(fitScale(frame.columns, frame.rows, width, height, view.rotation) * view.zoom);
    const sampling = interactive ? NEAREST : settled;
    // A table asked for but not held is shown through the LINEAR window (as ./voi's voiOutput).
    const voi = view.voi === "LUT" && !this.lut?.entries.length ? "LINEAR" : view.voi;
    const info = this.program(this.kind, sampling.taps, voi);
    gl.useProgram(info.program);
    gl.bindVertexArray(this.vao);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    const u = info.uniforms;
    gl.uniform1i(u["u_image"] ?? null, 0);
    gl.uniformMatrix3fv(u["u_matrix"] ?? null, false, quadMatrix(view, frame.columns, frame.rows, width, height));
    gl.uniform1f(u["u_slope"] ?? null, frame.slope);
    gl.uniform1f(u["u_intercept"] ?? null, frame.intercept);
    gl.uniform1f(u["u_center"] ?? null, view.windowCenter);
    gl.uniform1f(u["u_width"] ?? null, view.windowWidth);
    gl.uniform1i(u["u_invert"] ?? null, view.invert !== frame.invert ? 1 : 0);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, this.lutTexture);
    gl.activeTexture(gl.TEXTURE0);
    gl.uniform1i(u["u_lut"] ?? null, 1);
    gl.uniform1f(u["u_lut_first"] ?? null, this.lut?.firstMapped ?? 0);
    gl.uniform1i(u["u_lut_count"] ?? null, this.lut?.entries.length ?? 0);
    gl.uniform1f(u["u_lut_max"] ?? null, 2 ** (this.lut?.bits ?? 16) - 1);
    gl.uniform1f(u["u_footprint"] ?? null, sampling.footprint);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    return sampling.taps < settled.taps;
  }

  /** Forgets the pixels (on close): the texture is overwritten with a single black texel. */
  clear(): void {
    const gl = this.gl;
    gl.bindTexture(gl.TEXTURE_2D, this.texture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.R16UI, 1, 1, 0, gl.RED_INTEGER, gl.UNSIGNED_SHORT, new Uint16Array(1));
    this.allocated = null;
    this.frame = null;
    this.uploadLut(null);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }
}
