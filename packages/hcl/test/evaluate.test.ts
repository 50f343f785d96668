import { GantryError } from "@gantry/errors";
import { describe, expect, it } from "vitest";
import {
  type EvalContext,
  evaluate,
  HclEvalError,
  type HclFunction,
  type HclValue,
  isUnknown,
  parseHcl,
  Unknown,
} from "../src/index.js";
import { findJsonSyntaxError } from "@gantry/documents";

const vars: Record<string, HclValue> = {
  local: {
    env: "prod",
    region: "eu-west-1",
    n: 3,
    list: ["a", "b", "c"],
    nums: [3, 1, 2],
    map: { b: 2, a: 1, c: 3 },
    objs: [
      { name: "x", tags: { Env: "dev" } },
      { name: "y", tags: { Env: "prod" } },
    ],
    nothing: null,
    flag: true,
    str_num: "5",
  },
  unknown_thing: new Unknown("dependency output vpc.id is only known after apply"),
};

const testFunctions: Record<string, HclFunction> = {
  get_terragrunt_dir: () => "/repo/live/prod/app",
  file: (args) => {
    throw new GantryError("UNREADABLE_CONFIG", `no such file: ${String(args[0])}`);
  },
  get_env: (args) => new Unknown(`environment variable ${String(args[0])}`),
};

function ctxFor(source: string, extra: Record<string, HclValue> = {}): EvalContext {
  return {
    variable: (name) => (name in extra ? extra[name] : vars[name]),
    functions: testFunctions,
    file: { fileName: "t.hcl", source },
  };
}

function ev(expression: string, extra: Record<string, HclValue> = {}): HclValue {
  const source = `x = ${expression}\n`;
  const file = parseHcl(source, "t.hcl");
  return evaluate(file.body.attributes[0]!.expr, ctxFor(source, extra));
}

function evError(expression: string): HclEvalError {
  try {
    ev(expression);
  } catch (e) {
    expect(e).toBeInstanceOf(HclEvalError);
    return e as HclEvalError;
  }
  throw new Error(`expected ${expression} to fail`);
}

describe("literals, operators and conversions", () => {
  it.each<[string, HclValue]>([
    ["1 + 2 * 3", 7],
    ["(1 + 2) * 3", 9],
    ["10 / 4", 2.5],
    ["7 % 3", 1],
    ["-local.n", -3],
    ["local.str_num + 1", 6],
    ['"2" * "3"', 6],
    ["1 < 2 && 2 >= 2", true],
    ["!local.flag || false", false],
    ['1 == "1"', false],
    ['local.list == ["a", "b", "c"]', true],
    ["local.map == { a = 1, b = 2, c = 3 }", true],
    ["local.map != { a = 1 }", true],
    ["null == local.nothing", true],
    ['local.n > 2 ? "big" : "small"', "big"],
    ['"true" ? 1 : 2', 1],
    ["false && local.missing_would_fail", false],
    ["true || local.missing_would_fail", true],
  ])("%s", (expression, expected) => {
    expect(ev(expression)).toEqual(expected);
  });

  it("only evaluates the chosen branch of a conditional", () => {
    expect(ev('local.nothing == null ? "none" : local.nothing.attr')).toBe("none");
  });

  it.each([
    ['"a" + 1', "the left operand of '+' is the string \"a\"; a number is required"],
    ["local.list ? 1 : 2", "the condition is a list; a bool is required"],
    ["-local.list", "a number is required"],
  ])("rejects %s", (expression, message) => {
    const err = evError(expression);
    expect(err.code).toBe("HCL_EVAL");
    expect(err.exitCode).toBe(16);
    expect(err.message).toContain(message);
    expect(err.location).toMatchObject({ file: "t.hcl", line: 1 });
  });
});

describe("templates", () => {
  it("converts numbers and bools and joins parts", () => {
    expect(ev('"${local.env}-${local.n}-${local.flag}-${1.5}"')).toBe("prod-3-true-1.5");
  });

  it("returns the value itself for a lone interpolation", () => {
    expect(ev('"${local.list}"')).toEqual(["a", "b", "c"]);
    expect(ev('"${local.n}"')).toBe(3);
  });

  it("renders if and for directives and strip markers", () => {
    expect(ev('"%{ if local.flag }on%{ else }off%{ endif }"')).toBe("on");
    expect(ev('"%{ for i, v in local.list }${i}${v};%{ endfor }"')).toBe("0a;1b;2c;");
    expect(ev('"%{ for k, v in local.map }${k}=${v} %{ endfor ~}"')).toBe("a=1 b=2 c=3 ");
    expect(ev('"[ ${~ local.env ~} ]"')).toBe("[prod]");
  });

  it("renders heredocs", () => {
    const source =
      'x = <<-EOT\n  region = "${local.region}"\n  %{ for v in local.list ~}\n  - ${v}\n  %{ endfor ~}\n  EOT\n';
    const file = parseHcl(source, "h.hcl");
    // As in HCL, a line that follows a `~}` strip is not a line start for `<<-` dedenting, so "  - " keeps
    // its indentation (the corpus test `strip_directive` checks the same against hashicorp/hcl).
    expect(evaluate(file.body.attributes[0]!.expr, ctxFor(source))).toBe('region = "eu-west-1"\n  - a\n  - b\n  - c\n');
  });

  it("keeps known fragments of a template with unknown parts", () => {
    const v = ev('"${get_terragrunt_dir()}/${unknown_thing}.yaml"');
    expect(isUnknown(v)).toBe(true);
    expect((v as Unknown).fragments).toEqual(["/repo/live/prod/app/", null, ".yaml"]);
    expect((v as Unknown).reason).toBe("dependency output vpc.id is only known after apply");
  });

  it("splices the fragments of a nested unknown template", () => {
    const inner = ev('"${get_terragrunt_dir()}/${unknown_thing}"');
    const v = ev('"${local.inner}/config.hcl"', { local: { inner } });
    expect((v as Unknown).fragments).toEqual(["/repo/live/prod/app/", null, "/config.hcl"]);
  });

  it("keeps known fragments through format() and join()", () => {
    expect((ev('format("%s/%s/%d.yaml", get_terragrunt_dir(), unknown_thing, 7)') as Unknown).fragments).toEqual([
      "/repo/live/prod/app/",
      null,
      "/7.yaml",
    ]);
    const joined = ev('join("/", [get_terragrunt_dir(), unknown_thing, "x.hcl"])') as Unknown;
    expect(joined.fragments).toEqual(["/repo/live/prod/app/", null, "/x.hcl"]);
    expect(joined.reason).toBe("dependency output vpc.id is only known after apply");
    expect(ev('format("%s-%d", "a", 1)')).toBe("a-1");
    expect(ev('join("-", ["a", 1])')).toBe("a-1");
  });

  it("rejects null and collections in string templates", () => {
    expect(evError('"x${local.nothing}"').message).toContain("is null; a string is required");
    expect(evError('"x${local.list}"').message).toContain("is a list; a string is required");
  });
});

describe("access, splats and for expressions", () => {
  it.each<[string, HclValue]>([
    ["local.list[1]", "b"],
    ["local.list.1", "b"],
    ['local.map["c"]', 3],
    ["local.objs[*].name", ["x", "y"]],
    ["local.objs.*.name", ["x", "y"]],
    ['local.objs[*].tags["Env"]', ["dev", "prod"]],
    ["local.nothing[*]", []],
    ["local.map[*].a", [1]],
    ["[for s in local.list : upper(s)]", ["A", "B", "C"]],
    ['[for i, s in local.list : "${i}${s}" if i != 1]', ["0a", "2c"]],
    ["{ for k, v in local.map : v => k }", { "1": "a", "2": "b", "3": "c" }],
    ['{ for s in ["ab", "ac", "b"] : substr(s, 0, 1) => s... }', { a: ["ab", "ac"], b: ["b"] }],
    ["[for k, v in local.map : k]", ["a", "b", "c"]],
    ["{ (local.env) = 1, env = 2 }", { prod: 1, env: 2 }],
  ])("%s", (expression, expected) => {
    expect(ev(expression)).toEqual(expected);
  });

  it.each([
    ["local.missing", "this object has no attribute 'missing'"],
    ["local.list[3]", "index 3 is out of range for a list of 3 element(s)"],
    ['local.map["z"]', 'this map has no element for the key "z"'],
    ["local.nothing.x", "cannot read attribute 'x' of a null value"],
    ["local.n.x", "cannot read attribute 'x' of a number"],
    ["nope", "unknown variable 'nope'"],
    ['{ for s in local.list : "k" => s }', 'duplicate key "k"'],
    ["[for s in local.n : s]", "cannot iterate over a number"],
  ])("rejects %s", (expression, message) => {
    expect(evError(expression).message).toContain(message);
  });
});

describe("functions, try and can", () => {
  it("calls context functions first, then standard ones", () => {
    expect(ev('upper("${basename(get_terragrunt_dir())}")')).toBe("APP");
    expect(ev("max(local.nums...)")).toBe(3);
  });

  it("reports unknown functions and wraps function errors with the call position", () => {
    expect(evError("nosuch(1)").message).toContain("unknown function 'nosuch'");
    const err = evError("element([], 1)");
    expect(err.message).toContain("element(): cannot use element() on an empty list");
    expect(err.location).toEqual({ file: "t.hcl", line: 1, column: 5 });
  });

  it("finds only real functions and stores any key as data", () => {
    expect(evError("toString(1)").message).toContain("unknown function 'toString'");
    expect(evError("constructor()").message).toContain("unknown function 'constructor'");
    for (const expression of [
      '{ "__proto__" = { polluted = true } }',
      'jsondecode("{\\"__proto__\\": {\\"polluted\\": true}}")',
      'merge({}, { "__proto__" = { polluted = true } })',
    ]) {
      const v = ev(expression) as Record<string, HclValue>;
      expect(Object.keys(v)).toEqual(["__proto__"]);
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      expect((v as { polluted?: unknown }).polluted).toBeUndefined();
    }
  });

  it("jsondecode says where invalid JSON breaks, the same way every time, without quoting the text", () => {
    const message = evError('jsondecode("{\\"token\\": \\"s3cr3t\\",\\n  oops}")').message;
    expect(message).toContain(
      "the argument is not valid JSON: expected a property name in double quotes at line 2, column 3",
    );
    expect(message).not.toContain("s3cr3t");
    for (let i = 0; i < 3; i++)
      expect(evError('jsondecode("{\\"token\\": \\"s3cr3t\\",\\n  oops}")').message).toBe(message);
    expect(evError('jsondecode("[1, 2")').message).toContain("expected ',' or ']' at line 1, column 6");
  });

  it("the JSON check agrees with JSON.parse on what is valid", () => {
    const texts = [
      '{"a": [1, -2.5e+3, "x\\u00e9\\n"], "b": {"c": null, "d": true, "e": false}}',
      " [] ",
      '""',
      "0",
      "-0.0",
      "1e5",
      '{"a":1,}',
      "[1,]",
      "01",
      "1.",
      ".5",
      "+1",
      '"\\x"',
      '"a',
      "{a: 1}",
      "[1 2]",
      "tru",
      "nul",
      "{} {}",
      "",
      " ",
      '"\\u12G4"',
      "[[[[]]]]",
      '{"a" 1}',
      "\u00a0[]",
    ];
    for (const text of texts) {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      expect([text, findJsonSyntaxError(text) === null]).toEqual([text, valid]);
    }
  });

  it("try returns the first argument that evaluates and can reports errors as false", () => {
    expect(ev('try(local.missing, local.nothing.x, "fallback")')).toBe("fallback");
    expect(ev("try(local.map.a, 0)")).toBe(1);
    expect(ev("can(local.missing)")).toBe(false);
    expect(ev("can(local.map.a)")).toBe(true);
    expect(evError("try(local.missing)").message).toContain("no argument could be evaluated");
  });

  it("try and can also catch errors thrown by the caller's functions, which otherwise keep their code", () => {
    expect(ev('try(file("missing.yaml"), "{}")')).toBe("{}");
    expect(ev('can(file("missing.yaml"))')).toBe(false);
    let thrown: unknown;
    try {
      ev('file("missing.yaml")');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: "UNREADABLE_CONFIG", message: "no such file: missing.yaml" });
  });

  it("try and can return unknown for an unknown argument (it cannot be known whether it fails)", () => {
    expect(isUnknown(ev('try(unknown_thing.x, "fallback")'))).toBe(true);
    expect(isUnknown(ev("can(unknown_thing)"))).toBe(true);
  });
});

describe("unknown propagation", () => {
  it.each([
    "unknown_thing + 1",
    "-unknown_thing",
    "unknown_thing.a.b",
    "unknown_thing[0]",
    "local.list[unknown_thing]",
    "unknown_thing ? 1 : 2",
    "unknown_thing == 1",
    "[for x in unknown_thing : x]",
    "unknown_thing[*].id",
    'upper(get_env("HOME"))',
    'join(",", [local.env, unknown_thing])',
    "{ (unknown_thing) = 1 }",
    "max(unknown_thing...)",
  ])("%s is unknown", (expression) => {
    const v = ev(expression);
    expect(isUnknown(v)).toBe(true);
  });

  it("keeps the root reason", () => {
    expect((ev('upper(get_env("HOME"))') as Unknown).reason).toBe("environment variable HOME");
  });

  it("keeps unknown elements inside known collections", () => {
    const v = ev("[1, unknown_thing]") as HclValue[];
    expect(v[0]).toBe(1);
    expect(isUnknown(v[1])).toBe(true);
  });

  it("short-circuits logic when the known side decides", () => {
    expect(ev("unknown_thing && false")).toBe(false);
    expect(ev("unknown_thing || true")).toBe(true);
    expect(isUnknown(ev("unknown_thing && true"))).toBe(true);
  });

  it("passes unknown arguments to functions that accept them", () => {
    const seen: HclValue[] = [];
    const fn: HclFunction = Object.assign(
      (args: HclValue[]) => {
        seen.push(...args);
        return "handled";
      },
      { acceptsUnknown: true },
    );
    const source = "x = f(unknown_thing)\n";
    const file = parseHcl(source, "t.hcl");
    const v = evaluate(file.body.attributes[0]!.expr, { variable: (n) => vars[n], functions: { f: fn } });
    expect(v).toBe("handled");
    expect(isUnknown(seen[0])).toBe(true);
  });
});
