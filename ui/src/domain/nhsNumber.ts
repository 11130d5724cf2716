// NHS number checks in the UI, for feedback while typing. The backend validates again
// before any request: this copy only makes the form helpful.

export type NhsNumberCheck =
  | { kind: "empty" }
  | { kind: "incomplete"; digits: number }
  | { kind: "invalid"; reason: string }
  | { kind: "valid"; digits: string; formatted: string };

/** Checks what has been typed so far: digits, spaces and dashes, ten digits, mod-11. */
export function checkNhsNumber(input: string): NhsNumberCheck {
  const trimmed = input.trim();
  if (trimmed === "") return { kind: "empty" };
  if (!/^[0-9 -]*$/.test(trimmed)) {
    return { kind: "invalid", reason: "Use digits only (spaces and dashes are fine)." };
  }
  const digits = trimmed.replace(/[ -]/g, "");
  if (digits.length < 10) return { kind: "incomplete", digits: digits.length };
  if (digits.length > 10) return { kind: "invalid", reason: "An NHS number has 10 digits." };
  const expected = checkDigit(digits.slice(0, 9));
  if (expected === null || expected !== Number(digits[9])) {
    return { kind: "invalid", reason: "The check digit does not match: look at the number again." };
  }
  return { kind: "valid", digits, formatted: formatNhsNumber(digits) };
}

/** 3-3-4 grouping, as printed on NHS documents. */
export function formatNhsNumber(digits: string): string {
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
}

function checkDigit(firstNine: string): number | null {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(firstNine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}
