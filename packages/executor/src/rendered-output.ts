/**
 * What OpenTofu and Terraform print for people, read back where no JSON exists: an apply has no saved plan to
 * `show -json`, so its report takes the counts from the tool's own closing line ("Apply complete! Resources:
 * …", "Destroy complete! …") and the resources from the headers of the plan it printed before applying
 * ("  # ADDRESS will be created"). Plans are summarised from their JSON (`plan-summary.ts`); the plan corpus
 * test checks that both readings agree on real plans.
 */

/** What an apply or destroy reported it did, from its closing line. */
export interface AppliedCounts {
  import: number;
  add: number;
  change: number;
  destroy: number;
  forget: number;
}

/** Reads "Apply complete! Resources: 1 imported, 2 added, 0 changed, 1 destroyed, 1 forgotten." (any subset, any order). */
export function readAppliedCounts(output: string): AppliedCounts | null {
  const match = /^(Apply|Destroy) complete! Resources: (.+?)\.?$/m.exec(output);
  if (!match) return null;
  const counts: AppliedCounts = { import: 0, add: 0, change: 0, destroy: 0, forget: 0 };
  const words: Record<string, keyof AppliedCounts> = {
    imported: "import",
    added: "add",
    changed: "change",
    destroyed: "destroy",
    forgotten: "forget",
  };
  for (const part of match[2]!.split(",")) {
    const item = /(\d+)\s+(\w+)/.exec(part.trim());
    const key = item ? words[item[2]!] : undefined;
    if (item && key) counts[key] = Number(item[1]);
  }
  return counts;
}

export function formatAppliedCounts(counts: AppliedCounts, action: "apply" | "destroy"): string {
  if (action === "destroy") return `Destroyed: ${counts.destroy}.`;
  const parts = [
    counts.import > 0 ? `${counts.import} imported` : "",
    `${counts.add} added`,
    `${counts.change} changed`,
    `${counts.destroy} destroyed`,
    counts.forget > 0 ? `${counts.forget} forgotten` : "",
  ].filter(Boolean);
  return `Applied: ${parts.join(", ")}.`;
}

export interface RenderedResources {
  create: string[];
  update: string[];
  replace: string[];
  delete: string[];
  forget: string[];
  read: string[];
  import: string[];
  moves: Array<{ from: string; to: string }>;
}

const phrases: Array<[RegExp, keyof Omit<RenderedResources, "moves" | "import">]> = [
  [/^will be created$/, "create"],
  [/^will be updated in-place$/, "update"],
  [
    /^(must be replaced|will be replaced due to changes in replace_triggered_by|will be replaced, as requested)$/,
    "replace",
  ],
  [/^will be destroyed$/, "delete"],
  [
    /^(will be removed from the OpenTofu state but will not be destroyed|will no longer be managed by Terraform)$/,
    "forget",
  ],
  [/^will be read during apply$/, "read"],
];

/** The resource headers of a rendered plan (`tofu show`, or the plan an apply prints first). */
export function resourcesInRenderedPlan(text: string): RenderedResources {
  const resources: RenderedResources = {
    create: [],
    update: [],
    replace: [],
    delete: [],
    forget: [],
    read: [],
    import: [],
    moves: [],
  };
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    const header = /^ {2}# (\S+(?: \(deposed object \w+\))?) (.+)$/.exec(line);
    if (!header) return;
    const [, address, rest] = header as unknown as [string, string, string];
    const moved = /^has moved to (\S+)$/.exec(rest);
    if (moved) resources.moves.push({ from: address, to: moved[1]! });
    for (const [pattern, key] of phrases) if (pattern.test(rest)) resources[key].push(address);
    const next = lines[index + 1] ?? "";
    if (/^ {2}# \(imported from /.test(next)) resources.import.push(address);
    const movedFrom = /^ {2}# \(moved from (\S+)\)$/.exec(next);
    if (movedFrom) resources.moves.push({ from: movedFrom[1]!, to: address });
  });
  return resources;
}
