/** SPEC §13's password rule, said the same way on every form (the server checks it and names what is wrong). */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_RULE = `At least ${PASSWORD_MIN_LENGTH} characters, not your username or email address.`;
