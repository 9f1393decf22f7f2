/*
 * text.c: UTF-8 repair, character references, HTML to plain text,
 * whitespace folding and the terminal sanitizer.
 *
 * Every function here is one forward pass over its input with a bounded
 * look-ahead, so hostile input (unterminated tags, comments, quotes,
 * escape sequences) costs linear time, and nothing recurses. Output goes
 * through one code-point sink, so the result is always valid UTF-8.
 */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "buf.h"
#include "err.h"
#include "xmem.h"

#define UTF8_BAD	UINT32_MAX	/* an invalid sequence was read */
#define REPLACEMENT	0xFFFDu
/* The longest name in the entity table ("NegativeThinSpace") is 17. */
#define ENTITY_NAME_MAX	32
/* Inputs are capped upstream; the returned strings need no other cap. */
#define TEXT_BUF_MAX	(SIZE_MAX - 1)

/*
 * Named character references: every HTML 4.01 entity, &apos;, and the
 * HTML5 names feeds use (typographic spaces and punctuation, Latin
 * Extended-A letters, symbols), generated from the WHATWG table and
 * sorted by strcmp for bsearch. legacy marks the names HTML5 also
 * decodes without a semicolon (§13.5, "named character references").
 */
struct entity {
	const char	*name;
	uint32_t	 cp;
	int		 legacy;
};

static const struct entity entities[] = {
	{ "AElig", 0x00C6, 1 }, { "AMP", 0x0026, 1 }, { "Aacute", 0x00C1, 1 },
	{ "Abreve", 0x0102, 0 }, { "Acirc", 0x00C2, 1 },
	{ "Agrave", 0x00C0, 1 }, { "Alpha", 0x0391, 0 },
	{ "Amacr", 0x0100, 0 }, { "Aogon", 0x0104, 0 }, { "Aring", 0x00C5, 1 },
	{ "Atilde", 0x00C3, 1 }, { "Auml", 0x00C4, 1 }, { "Beta", 0x0392, 0 },
	{ "COPY", 0x00A9, 1 }, { "Cacute", 0x0106, 0 },
	{ "Ccaron", 0x010C, 0 }, { "Ccedil", 0x00C7, 1 },
	{ "Ccirc", 0x0108, 0 }, { "Cdot", 0x010A, 0 }, { "Chi", 0x03A7, 0 },
	{ "Dagger", 0x2021, 0 }, { "Dcaron", 0x010E, 0 },
	{ "Delta", 0x0394, 0 }, { "DiacriticalGrave", 0x0060, 0 },
	{ "DiacriticalTilde", 0x02DC, 0 }, { "Dstrok", 0x0110, 0 },
	{ "ENG", 0x014A, 0 }, { "ETH", 0x00D0, 1 }, { "Eacute", 0x00C9, 1 },
	{ "Ecaron", 0x011A, 0 }, { "Ecirc", 0x00CA, 1 }, { "Edot", 0x0116, 0 },
	{ "Egrave", 0x00C8, 1 }, { "Emacr", 0x0112, 0 },
	{ "Eogon", 0x0118, 0 }, { "Epsilon", 0x0395, 0 }, { "Eta", 0x0397, 0 },
	{ "Euml", 0x00CB, 1 }, { "GT", 0x003E, 1 }, { "Gamma", 0x0393, 0 },
	{ "Gbreve", 0x011E, 0 }, { "Gcedil", 0x0122, 0 },
	{ "Gcirc", 0x011C, 0 }, { "Gdot", 0x0120, 0 }, { "Hat", 0x005E, 0 },
	{ "Hcirc", 0x0124, 0 }, { "Hstrok", 0x0126, 0 },
	{ "IJlig", 0x0132, 0 }, { "Iacute", 0x00CD, 1 },
	{ "Icirc", 0x00CE, 1 }, { "Idot", 0x0130, 0 }, { "Igrave", 0x00CC, 1 },
	{ "Imacr", 0x012A, 0 }, { "Iogon", 0x012E, 0 }, { "Iota", 0x0399, 0 },
	{ "Itilde", 0x0128, 0 }, { "Iuml", 0x00CF, 1 }, { "Jcirc", 0x0134, 0 },
	{ "Kappa", 0x039A, 0 }, { "Kcedil", 0x0136, 0 }, { "LT", 0x003C, 1 },
	{ "Lacute", 0x0139, 0 }, { "Lambda", 0x039B, 0 },
	{ "Lcaron", 0x013D, 0 }, { "Lcedil", 0x013B, 0 },
	{ "LeftArrow", 0x2190, 0 }, { "Lmidot", 0x013F, 0 },
	{ "Lstrok", 0x0141, 0 }, { "MediumSpace", 0x205F, 0 },
	{ "Mu", 0x039C, 0 }, { "Nacute", 0x0143, 0 }, { "Ncaron", 0x0147, 0 },
	{ "Ncedil", 0x0145, 0 }, { "NegativeThinSpace", 0x200B, 0 },
	{ "NewLine", 0x000A, 0 }, { "NonBreakingSpace", 0x00A0, 0 },
	{ "Ntilde", 0x00D1, 1 }, { "Nu", 0x039D, 0 }, { "OElig", 0x0152, 0 },
	{ "Oacute", 0x00D3, 1 }, { "Ocirc", 0x00D4, 1 },
	{ "Odblac", 0x0150, 0 }, { "Ograve", 0x00D2, 1 },
	{ "Omacr", 0x014C, 0 }, { "Omega", 0x03A9, 0 },
	{ "Omicron", 0x039F, 0 }, { "Oslash", 0x00D8, 1 },
	{ "Otilde", 0x00D5, 1 }, { "Ouml", 0x00D6, 1 }, { "Phi", 0x03A6, 0 },
	{ "Pi", 0x03A0, 0 }, { "Prime", 0x2033, 0 }, { "Psi", 0x03A8, 0 },
	{ "QUOT", 0x0022, 1 }, { "REG", 0x00AE, 1 }, { "Racute", 0x0154, 0 },
	{ "Rcaron", 0x0158, 0 }, { "Rcedil", 0x0156, 0 }, { "Rho", 0x03A1, 0 },
	{ "RightArrow", 0x2192, 0 }, { "Sacute", 0x015A, 0 },
	{ "Scaron", 0x0160, 0 }, { "Scedil", 0x015E, 0 },
	{ "Scirc", 0x015C, 0 }, { "Sigma", 0x03A3, 0 }, { "THORN", 0x00DE, 1 },
	{ "TRADE", 0x2122, 0 }, { "Tab", 0x0009, 0 }, { "Tau", 0x03A4, 0 },
	{ "Tcaron", 0x0164, 0 }, { "Tcedil", 0x0162, 0 },
	{ "Theta", 0x0398, 0 }, { "ThinSpace", 0x2009, 0 },
	{ "Tstrok", 0x0166, 0 }, { "Uacute", 0x00DA, 1 },
	{ "Ubreve", 0x016C, 0 }, { "Ucirc", 0x00DB, 1 },
	{ "Udblac", 0x0170, 0 }, { "Ugrave", 0x00D9, 1 },
	{ "Umacr", 0x016A, 0 }, { "UnderBar", 0x005F, 0 },
	{ "Uogon", 0x0172, 0 }, { "Upsilon", 0x03A5, 0 },
	{ "Uring", 0x016E, 0 }, { "Utilde", 0x0168, 0 }, { "Uuml", 0x00DC, 1 },
	{ "VerticalLine", 0x007C, 0 }, { "VeryThinSpace", 0x200A, 0 },
	{ "Wcirc", 0x0174, 0 }, { "Xi", 0x039E, 0 }, { "Yacute", 0x00DD, 1 },
	{ "Ycirc", 0x0176, 0 }, { "Yuml", 0x0178, 0 }, { "Zacute", 0x0179, 0 },
	{ "Zcaron", 0x017D, 0 }, { "Zdot", 0x017B, 0 },
	{ "ZeroWidthSpace", 0x200B, 0 }, { "Zeta", 0x0396, 0 },
	{ "aacute", 0x00E1, 1 }, { "abreve", 0x0103, 0 },
	{ "acirc", 0x00E2, 1 }, { "acute", 0x00B4, 1 }, { "aelig", 0x00E6, 1 },
	{ "agrave", 0x00E0, 1 }, { "alefsym", 0x2135, 0 },
	{ "alpha", 0x03B1, 0 }, { "amacr", 0x0101, 0 }, { "amp", 0x0026, 1 },
	{ "and", 0x2227, 0 }, { "ang", 0x2220, 0 }, { "angst", 0x00C5, 0 },
	{ "aogon", 0x0105, 0 }, { "apos", 0x0027, 0 }, { "aring", 0x00E5, 1 },
	{ "ast", 0x002A, 0 }, { "asymp", 0x2248, 0 }, { "atilde", 0x00E3, 1 },
	{ "auml", 0x00E4, 1 }, { "bdquo", 0x201E, 0 }, { "beta", 0x03B2, 0 },
	{ "brvbar", 0x00A6, 1 }, { "bsol", 0x005C, 0 }, { "bull", 0x2022, 0 },
	{ "bullet", 0x2022, 0 }, { "cacute", 0x0107, 0 }, { "cap", 0x2229, 0 },
	{ "ccaron", 0x010D, 0 }, { "ccedil", 0x00E7, 1 },
	{ "ccirc", 0x0109, 0 }, { "cdot", 0x010B, 0 }, { "cedil", 0x00B8, 1 },
	{ "cent", 0x00A2, 1 }, { "centerdot", 0x00B7, 0 },
	{ "check", 0x2713, 0 }, { "checkmark", 0x2713, 0 },
	{ "chi", 0x03C7, 0 }, { "circ", 0x02C6, 0 }, { "circledR", 0x00AE, 0 },
	{ "clubs", 0x2663, 0 }, { "clubsuit", 0x2663, 0 },
	{ "colon", 0x003A, 0 }, { "comma", 0x002C, 0 },
	{ "commat", 0x0040, 0 }, { "cong", 0x2245, 0 }, { "copy", 0x00A9, 1 },
	{ "copysr", 0x2117, 0 }, { "crarr", 0x21B5, 0 },
	{ "cross", 0x2717, 0 }, { "cup", 0x222A, 0 }, { "curren", 0x00A4, 1 },
	{ "dArr", 0x21D3, 0 }, { "dagger", 0x2020, 0 }, { "darr", 0x2193, 0 },
	{ "dash", 0x2010, 0 }, { "dcaron", 0x010F, 0 },
	{ "ddagger", 0x2021, 0 }, { "deg", 0x00B0, 1 }, { "delta", 0x03B4, 0 },
	{ "diamondsuit", 0x2666, 0 }, { "diams", 0x2666, 0 },
	{ "div", 0x00F7, 0 }, { "divide", 0x00F7, 1 }, { "dollar", 0x0024, 0 },
	{ "dstrok", 0x0111, 0 }, { "eacute", 0x00E9, 1 },
	{ "ecaron", 0x011B, 0 }, { "ecirc", 0x00EA, 1 }, { "edot", 0x0117, 0 },
	{ "egrave", 0x00E8, 1 }, { "emacr", 0x0113, 0 },
	{ "empty", 0x2205, 0 }, { "emsp", 0x2003, 0 }, { "emsp13", 0x2004, 0 },
	{ "emsp14", 0x2005, 0 }, { "eng", 0x014B, 0 }, { "ensp", 0x2002, 0 },
	{ "eogon", 0x0119, 0 }, { "epsilon", 0x03B5, 0 },
	{ "equals", 0x003D, 0 }, { "equiv", 0x2261, 0 }, { "eta", 0x03B7, 0 },
	{ "eth", 0x00F0, 1 }, { "euml", 0x00EB, 1 }, { "euro", 0x20AC, 0 },
	{ "excl", 0x0021, 0 }, { "exist", 0x2203, 0 }, { "female", 0x2640, 0 },
	{ "flat", 0x266D, 0 }, { "fnof", 0x0192, 0 }, { "forall", 0x2200, 0 },
	{ "frac12", 0x00BD, 1 }, { "frac13", 0x2153, 0 },
	{ "frac14", 0x00BC, 1 }, { "frac15", 0x2155, 0 },
	{ "frac16", 0x2159, 0 }, { "frac18", 0x215B, 0 },
	{ "frac23", 0x2154, 0 }, { "frac25", 0x2156, 0 },
	{ "frac34", 0x00BE, 1 }, { "frac35", 0x2157, 0 },
	{ "frac38", 0x215C, 0 }, { "frac45", 0x2158, 0 },
	{ "frac56", 0x215A, 0 }, { "frac58", 0x215D, 0 },
	{ "frac78", 0x215E, 0 }, { "frasl", 0x2044, 0 },
	{ "gamma", 0x03B3, 0 }, { "gbreve", 0x011F, 0 },
	{ "gcirc", 0x011D, 0 }, { "gdot", 0x0121, 0 }, { "ge", 0x2265, 0 },
	{ "grave", 0x0060, 0 }, { "gt", 0x003E, 1 }, { "hArr", 0x21D4, 0 },
	{ "hairsp", 0x200A, 0 }, { "half", 0x00BD, 0 }, { "harr", 0x2194, 0 },
	{ "hcirc", 0x0125, 0 }, { "hearts", 0x2665, 0 },
	{ "heartsuit", 0x2665, 0 }, { "hellip", 0x2026, 0 },
	{ "horbar", 0x2015, 0 }, { "hstrok", 0x0127, 0 },
	{ "hyphen", 0x2010, 0 }, { "iacute", 0x00ED, 1 },
	{ "icirc", 0x00EE, 1 }, { "iexcl", 0x00A1, 1 },
	{ "igrave", 0x00EC, 1 }, { "ijlig", 0x0133, 0 },
	{ "imacr", 0x012B, 0 }, { "image", 0x2111, 0 }, { "imath", 0x0131, 0 },
	{ "incare", 0x2105, 0 }, { "infin", 0x221E, 0 },
	{ "inodot", 0x0131, 0 }, { "int", 0x222B, 0 }, { "iogon", 0x012F, 0 },
	{ "iota", 0x03B9, 0 }, { "iquest", 0x00BF, 1 }, { "isin", 0x2208, 0 },
	{ "itilde", 0x0129, 0 }, { "iuml", 0x00EF, 1 }, { "jcirc", 0x0135, 0 },
	{ "kappa", 0x03BA, 0 }, { "kcedil", 0x0137, 0 }, { "lArr", 0x21D0, 0 },
	{ "lacute", 0x013A, 0 }, { "lambda", 0x03BB, 0 },
	{ "lang", 0x2329, 0 }, { "laquo", 0x00AB, 1 }, { "larr", 0x2190, 0 },
	{ "larrb", 0x21E4, 0 }, { "lbrace", 0x007B, 0 },
	{ "lbrack", 0x005B, 0 }, { "lcaron", 0x013E, 0 },
	{ "lcedil", 0x013C, 0 }, { "lceil", 0x2308, 0 }, { "lcub", 0x007B, 0 },
	{ "ldquo", 0x201C, 0 }, { "ldquor", 0x201E, 0 }, { "le", 0x2264, 0 },
	{ "leftarrow", 0x2190, 0 }, { "lfloor", 0x230A, 0 },
	{ "lmidot", 0x0140, 0 }, { "lowast", 0x2217, 0 },
	{ "lowbar", 0x005F, 0 }, { "loz", 0x25CA, 0 }, { "lpar", 0x0028, 0 },
	{ "lrm", 0x200E, 0 }, { "lsaquo", 0x2039, 0 }, { "lsqb", 0x005B, 0 },
	{ "lsquo", 0x2018, 0 }, { "lsquor", 0x201A, 0 },
	{ "lstrok", 0x0142, 0 }, { "lt", 0x003C, 1 }, { "macr", 0x00AF, 1 },
	{ "male", 0x2642, 0 }, { "mdash", 0x2014, 0 }, { "micro", 0x00B5, 1 },
	{ "midast", 0x002A, 0 }, { "middot", 0x00B7, 1 },
	{ "minus", 0x2212, 0 }, { "mldr", 0x2026, 0 }, { "mnplus", 0x2213, 0 },
	{ "mu", 0x03BC, 0 }, { "nabla", 0x2207, 0 }, { "nacute", 0x0144, 0 },
	{ "napos", 0x0149, 0 }, { "natural", 0x266E, 0 },
	{ "nbsp", 0x00A0, 1 }, { "ncaron", 0x0148, 0 },
	{ "ncedil", 0x0146, 0 }, { "ndash", 0x2013, 0 }, { "ne", 0x2260, 0 },
	{ "ni", 0x220B, 0 }, { "nldr", 0x2025, 0 }, { "not", 0x00AC, 1 },
	{ "notin", 0x2209, 0 }, { "nsub", 0x2284, 0 }, { "ntilde", 0x00F1, 1 },
	{ "nu", 0x03BD, 0 }, { "num", 0x0023, 0 }, { "numsp", 0x2007, 0 },
	{ "oacute", 0x00F3, 1 }, { "ocirc", 0x00F4, 1 },
	{ "odblac", 0x0151, 0 }, { "oelig", 0x0153, 0 },
	{ "ograve", 0x00F2, 1 }, { "ohm", 0x03A9, 0 }, { "oline", 0x203E, 0 },
	{ "omacr", 0x014D, 0 }, { "omega", 0x03C9, 0 },
	{ "omicron", 0x03BF, 0 }, { "oplus", 0x2295, 0 }, { "or", 0x2228, 0 },
	{ "ordf", 0x00AA, 1 }, { "ordm", 0x00BA, 1 }, { "oslash", 0x00F8, 1 },
	{ "otilde", 0x00F5, 1 }, { "otimes", 0x2297, 0 },
	{ "ouml", 0x00F6, 1 }, { "para", 0x00B6, 1 }, { "part", 0x2202, 0 },
	{ "percnt", 0x0025, 0 }, { "period", 0x002E, 0 },
	{ "permil", 0x2030, 0 }, { "perp", 0x22A5, 0 },
	{ "pertenk", 0x2031, 0 }, { "phi", 0x03C6, 0 }, { "phone", 0x260E, 0 },
	{ "pi", 0x03C0, 0 }, { "piv", 0x03D6, 0 }, { "plus", 0x002B, 0 },
	{ "plusmn", 0x00B1, 1 }, { "pm", 0x00B1, 0 }, { "pound", 0x00A3, 1 },
	{ "prime", 0x2032, 0 }, { "prod", 0x220F, 0 }, { "prop", 0x221D, 0 },
	{ "psi", 0x03C8, 0 }, { "puncsp", 0x2008, 0 }, { "quest", 0x003F, 0 },
	{ "quot", 0x0022, 1 }, { "rArr", 0x21D2, 0 }, { "racute", 0x0155, 0 },
	{ "radic", 0x221A, 0 }, { "rang", 0x232A, 0 }, { "raquo", 0x00BB, 1 },
	{ "rarr", 0x2192, 0 }, { "rarrb", 0x21E5, 0 }, { "rbrace", 0x007D, 0 },
	{ "rbrack", 0x005D, 0 }, { "rcaron", 0x0159, 0 },
	{ "rcedil", 0x0157, 0 }, { "rceil", 0x2309, 0 }, { "rcub", 0x007D, 0 },
	{ "rdquo", 0x201D, 0 }, { "rdquor", 0x201D, 0 }, { "real", 0x211C, 0 },
	{ "reg", 0x00AE, 1 }, { "rfloor", 0x230B, 0 }, { "rho", 0x03C1, 0 },
	{ "rightarrow", 0x2192, 0 }, { "rlm", 0x200F, 0 },
	{ "rpar", 0x0029, 0 }, { "rsaquo", 0x203A, 0 }, { "rsqb", 0x005D, 0 },
	{ "rsquo", 0x2019, 0 }, { "rsquor", 0x2019, 0 },
	{ "sacute", 0x015B, 0 }, { "sbquo", 0x201A, 0 },
	{ "scaron", 0x0161, 0 }, { "scedil", 0x015F, 0 },
	{ "scirc", 0x015D, 0 }, { "sdot", 0x22C5, 0 }, { "sect", 0x00A7, 1 },
	{ "semi", 0x003B, 0 }, { "sharp", 0x266F, 0 }, { "shy", 0x00AD, 1 },
	{ "sigma", 0x03C3, 0 }, { "sigmaf", 0x03C2, 0 }, { "sim", 0x223C, 0 },
	{ "sol", 0x002F, 0 }, { "spades", 0x2660, 0 },
	{ "spadesuit", 0x2660, 0 }, { "star", 0x2606, 0 },
	{ "starf", 0x2605, 0 }, { "sub", 0x2282, 0 }, { "sube", 0x2286, 0 },
	{ "sum", 0x2211, 0 }, { "sup", 0x2283, 0 }, { "sup1", 0x00B9, 1 },
	{ "sup2", 0x00B2, 1 }, { "sup3", 0x00B3, 1 }, { "supe", 0x2287, 0 },
	{ "szlig", 0x00DF, 1 }, { "tau", 0x03C4, 0 }, { "tcaron", 0x0165, 0 },
	{ "tcedil", 0x0163, 0 }, { "telrec", 0x2315, 0 },
	{ "there4", 0x2234, 0 }, { "theta", 0x03B8, 0 },
	{ "thetasym", 0x03D1, 0 }, { "thinsp", 0x2009, 0 },
	{ "thorn", 0x00FE, 1 }, { "tilde", 0x02DC, 0 }, { "times", 0x00D7, 1 },
	{ "trade", 0x2122, 0 }, { "tstrok", 0x0167, 0 }, { "uArr", 0x21D1, 0 },
	{ "uacute", 0x00FA, 1 }, { "uarr", 0x2191, 0 },
	{ "ubreve", 0x016D, 0 }, { "ucirc", 0x00FB, 1 },
	{ "udblac", 0x0171, 0 }, { "ugrave", 0x00F9, 1 },
	{ "umacr", 0x016B, 0 }, { "uml", 0x00A8, 1 }, { "uogon", 0x0173, 0 },
	{ "upsih", 0x03D2, 0 }, { "upsilon", 0x03C5, 0 },
	{ "uring", 0x016F, 0 }, { "utilde", 0x0169, 0 }, { "uuml", 0x00FC, 1 },
	{ "verbar", 0x007C, 0 }, { "vert", 0x007C, 0 }, { "wcirc", 0x0175, 0 },
	{ "weierp", 0x2118, 0 }, { "xi", 0x03BE, 0 }, { "yacute", 0x00FD, 1 },
	{ "ycirc", 0x0177, 0 }, { "yen", 0x00A5, 1 }, { "yuml", 0x00FF, 1 },
	{ "zacute", 0x017A, 0 }, { "zcaron", 0x017E, 0 },
	{ "zdot", 0x017C, 0 }, { "zeta", 0x03B6, 0 }, { "zwj", 0x200D, 0 },
	{ "zwnj", 0x200C, 0 },
};

/*
 * HTML5 §13.2.5.80: numeric references to 0x80..0x9F mean the
 * windows-1252 character, as every browser decodes "&#146;" as U+2019.
 * 0 marks the five code points windows-1252 leaves undefined.
 */
static const uint16_t cp1252[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/*
 * Elements that end a line or a block: they become a separator.
 * html_markup() relies on "p" being the only one-letter name here and
 * in hidden_tags[].
 */
static const char *const block_tags[] = {
	"address", "article", "aside", "blockquote", "body", "br",
	"caption", "center", "dd", "details", "dialog", "dir", "div", "dl",
	"dt", "fieldset", "figcaption", "figure", "footer", "form",
	"frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head",
	"header", "hgroup", "hr", "html", "legend", "li", "main", "menu",
	"nav", "ol", "optgroup", "option", "p", "pre", "section",
	"summary", "table", "tbody", "td", "tfoot", "th", "thead", "title",
	"tr", "ul",
};

/* Elements whose content is never shown as text: dropped whole. */
static const char *const hidden_tags[] = {
	"iframe", "noembed", "noframes", "noscript", "script", "style",
	"template",
};

/* Where decoded text goes, and what is done to it on the way. */
struct sink {
	struct buf	*b;	/* the output: own, or the caller's */
	struct buf	own;
	size_t		start;	/* b's length when the sink began */
	int		fold;	/* fold whitespace runs, trim both ends */
	int		strip;	/* drop control characters (STRIP_*) */
	int		space;	/* fold: a separator is pending */
	int		err;	/* first buf error, 0 if none */
	size_t		nbad;	/* replacements made for invalid input */
};

#define STRIP_ALL	1	/* every control character */
#define STRIP_KEEP_LINES 2	/* all but tab and line feed */

/* out NULL: the sink's own buffer, for sink_detach(). */
static void
sink_init(struct sink *k, struct buf *out, int fold, int strip)
{
	if (out == NULL) {
		buf_init(&k->own, TEXT_BUF_MAX);
		out = &k->own;
	}
	k->b = out;
	k->start = buf_len(out);
	k->fold = fold;
	k->strip = strip;
	k->space = 0;
	k->err = 0;
	k->nbad = 0;
}

/*
 * Reads one UTF-8 sequence from s[0..n), n >= 1. Returns its length and
 * the code point, or UTF8_BAD and the length of the maximal invalid
 * subpart (Unicode §3.9, "U+FFFD Substitution of Maximal Subparts", as
 * the WHATWG decoder does): overlongs, surrogates and values past
 * U+10FFFF are rejected by the second-byte ranges of Table 3-7.
 */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char b = s[0], lo = 0x80, hi = 0xBF;
	size_t need, i;
	uint32_t c;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		need = 1;
		c = b & 0x1F;
	} else if (b >= 0xE0 && b <= 0xEF) {
		need = 2;
		c = b & 0x0F;
		if (b == 0xE0)
			lo = 0xA0;
		else if (b == 0xED)
			hi = 0x9F;
	} else if (b >= 0xF0 && b <= 0xF4) {
		need = 3;
		c = b & 0x07;
		if (b == 0xF0)
			lo = 0x90;
		else if (b == 0xF4)
			hi = 0x8F;
	} else {
		*cp = UTF8_BAD;
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*cp = UTF8_BAD;
			return i;
		}
		c = c << 6 | (s[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = c;
	return need + 1;
}

static int
utf8_put(struct buf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80)
		return buf_putc(b, (char)cp);
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return buf_append(b, u, n);
}

/* Unicode White_Space (PropList.txt), which includes U+00A0. */
static int
is_space(uint32_t cp)
{
	return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 ||
	    cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
	    cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
	    cp == 0x3000;
}

/* C0, DEL and C1 (general category Cc), plus the stray BOM. */
static int
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFEFF;
}

static void
sink_put(struct sink *k, uint32_t cp)
{
	int rc;

	if (k->err != 0)
		return;
	/* The common case: a visible ASCII character. */
	if (cp > 0x20 && cp < 0x7F && !k->space) {
		if ((rc = buf_putc(k->b, (char)cp)) != 0)
			k->err = rc;
		return;
	}
	if (k->fold && is_space(cp)) {
		k->space = 1;
		return;
	}
	if (k->strip && is_control(cp) && !(k->strip == STRIP_KEEP_LINES &&
	    (cp == '\t' || cp == '\n')))
		return;
	if (k->space) {
		k->space = 0;
		if (buf_len(k->b) > k->start &&
		    (rc = buf_putc(k->b, ' ')) != 0) {
			k->err = rc;
			return;
		}
	}
	if ((rc = utf8_put(k->b, cp)) != 0)
		k->err = rc;
}

/*
 * Appends n bytes that the sink would copy unchanged (see run_end()) at
 * once.
 */
static void
sink_run(struct sink *k, const unsigned char *s, size_t n)
{
	int rc;

	if (k->err != 0)
		return;
	if (k->space) {
		k->space = 0;
		if (buf_len(k->b) > k->start &&
		    (rc = buf_putc(k->b, ' ')) != 0) {
			k->err = rc;
			return;
		}
	}
	if ((rc = buf_append(k->b, s, n)) != 0)
		k->err = rc;
}

/* A separator from markup (<br>, </p>): only meaningful when folding. */
static void
sink_sep(struct sink *k)
{
	k->space = 1;
}

/* Copies one UTF-8 sequence or invalid subpart; returns bytes used. */
static size_t
sink_utf8(struct sink *k, const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] > 0x20 && s[0] < 0x7F) {
		sink_put(k, s[0]);
		return 1;
	}
	len = utf8_next(s, n, &cp);
	if (cp == UTF8_BAD || cp == 0) {
		cp = REPLACEMENT;
		k->nbad++;
	}
	sink_put(k, cp);
	return len;
}

/*
 * What run_end() copies as it is, per byte: visible ASCII (bit 0, then
 * markup characters as a class of their own) and anything else (0).
 */
#define RUN_TEXT	7	/* plain text: every visible ASCII byte */
#define RUN_HTML	5	/* HTML: not '<' or '&' */
#define RUN_CDATA	1	/* HTML in CDATA: not ']' either ("]]>") */
#define V1(c)	((c) > 0x20 && (c) < 0x7F ? \
	((c) == '<' || (c) == '&' ? 2 : (c) == ']' ? 4 : 1) : 0)
#define V4(c)	V1(c), V1((c) + 1), V1((c) + 2), V1((c) + 3)
#define V16(c)	V4(c), V4((c) + 4), V4((c) + 8), V4((c) + 12)
#define V64(c)	V16(c), V16((c) + 16), V16((c) + 32), V16((c) + 48)
static const unsigned char run_class[256] = {
	V64(0), V64(64), V64(128), V64(192)
};
#undef V64
#undef V16
#undef V4
#undef V1

static int
run_ascii(unsigned char c, int mode)
{
	return (run_class[c] & mode) != 0;
}

#ifdef __SSE2__
/*
 * How many of the sixteen bytes at s run_end() takes as they are:
 * visible ASCII but the markup characters of mode, and spaces not
 * preceded by a space (sp_before: the byte before s is one).
 */
static size_t
plain16(const unsigned char *s, int mode, int sp_before)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	/* Signed: the bytes from 0x80 up compare below 0x20 as well. */
	__m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
	unsigned sp, m;

	if (mode != RUN_TEXT)
		bad = _mm_or_si128(bad, _mm_or_si128(
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('&'))));
	if (mode == RUN_CDATA)
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8(']')));
	sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
	    _mm_set1_epi8(' ')));
	m = (unsigned)_mm_movemask_epi8(bad) | (sp & (sp << 1 | !!sp_before));
	return m ? (size_t)__builtin_ctz(m) : 16;
}
#endif

#ifndef __SSE2__
#define ONES	UINT64_C(0x0101010101010101)
#define HIGHS	UINT64_C(0x8080808080808080)

/* 1 if one of the eight bytes in v is zero. */
static int
has_zero(uint64_t v)
{
	return ((v - ONES) & ~v & HIGHS) != 0;
}

/*
 * 1 if the eight bytes at s are all visible ASCII (but the markup
 * characters of mode) or spaces, no two spaces side by side: what
 * run_end() takes a word at a time.
 */
static int
plain8(const unsigned char *s, int mode)
{
	uint64_t v, sp;

	memcpy(&v, s, 8);
	/* A byte below 0x20, or one of 0x7F and above. */
	if (((v - ONES * 0x20) & ~v & HIGHS) || ((v + ONES) | v) & HIGHS)
		return 0;
	if (mode != RUN_TEXT && (has_zero(v ^ (ONES * '<')) ||
	    has_zero(v ^ (ONES * '&'))))
		return 0;
	if (mode == RUN_CDATA && has_zero(v ^ (ONES * ']')))
		return 0;
	/* Exactly the spaces (the high bit of each), then any pair. */
	v ^= ONES * ' ';
	sp = ~(((v & ~HIGHS) + ~HIGHS) | v) & HIGHS;
	return (sp & (sp << 8)) == 0;
}
#endif

/*
 * The length of the UTF-8 character at s[0..n) (s[0] >= 0x80) when it is
 * a common letter or punctuation mark that needs no decoding to know it
 * is valid and neither white space nor a control: U+00C0..U+07FF, and
 * the three-byte characters but the spaces, separators and BOM among
 * U+1680, U+2000..U+205F, U+3000 and U+FEFF (and E0/ED's invalid forms).
 * 0 otherwise: utf8_next() decides.
 */
static size_t
utf8_plain_len(const unsigned char *s, size_t n)
{
	unsigned char b = s[0];

	if (b >= 0xC3 && b <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (b < 0xE0 || b > 0xEF || n < 3 || (s[1] & 0xC0) != 0x80 ||
	    (s[2] & 0xC0) != 0x80)
		return 0;
	switch (b) {
	case 0xE0:
		return s[1] >= 0xA0 ? 3 : 0;
	case 0xED:
		return s[1] <= 0x9F ? 3 : 0;
	case 0xE1:
	case 0xE3:
	case 0xEF:
		/* U+1680, U+3000, U+FEFF (and their neighbours): decode. */
		return s[1] != 0x9A && s[1] != 0x80 && s[1] != 0xBB ? 3 : 0;
	case 0xE2:
		/* U+2010..U+2027 and U+2030..U+203F: dashes and quotes. */
		if (s[1] == 0x80)
			return (s[2] >= 0x90 && s[2] <= 0xA7) || s[2] >= 0xB0 ?
			    3 : 0;
		return s[1] == 0x81 ? 0 : 3;
	default:
		return 3;
	}
}

/*
 * The end of the run at p[i..n) that the sink would copy unchanged:
 * visible ASCII (but the markup characters of mode), single spaces
 * between such characters, and valid UTF-8 characters that are neither
 * white space nor controls. Returns i when p[i] starts no run.
 */
static inline __attribute__((always_inline)) size_t
run_end(const unsigned char *p, size_t n, size_t i, int mode)
{
	size_t start = i, len, k;
	uint32_t cp;

	if (i < n && p[i] == ' ')
		return i;
	for (;;) {
#ifdef __SSE2__
		while (n - i >= 16) {
			k = plain16(p + i, mode, i > start && p[i - 1] == ' ');
			i += k;
			if (k < 16)
				break;
		}
#else
		while (n - i >= 8 && plain8(p + i, mode) &&
		    !(p[i] == ' ' && p[i - 1] == ' '))
			i += 8;
#endif
		/* A space that ends the words is the byte loop's to judge. */
		if (i > start && p[i - 1] == ' ')
			i--;
		while (i < n && run_ascii(p[i], mode))
			i++;
		if (i >= n)
			return n;
		if (p[i] == ' ' && i > start && i + 1 < n &&
		    run_ascii(p[i + 1], mode)) {
			i += 2;
			continue;
		}
		len = p[i] == ' ' && i > start && i + 1 < n ? 1 : 0;
		if (p[i + len] < 0x80)
			return i;
		if ((k = utf8_plain_len(p + i + len, n - i - len)) > 0) {
			i += len + k;
			continue;
		}
		len += utf8_next(p + i + len, n - i - len, &cp);
		if (cp == UTF8_BAD || is_space(cp) || is_control(cp))
			return i;
		i += len;
	}
}

static char *
sink_detach(struct sink *k)
{
	return buf_detach(k->b);
}

static int
c_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
c_isalnum(int c)
{
	return c_isalpha(c) || (c >= '0' && c <= '9');
}

static int
c_tolower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * What a numeric reference may stand for (HTML5 §13.2.5.80): NUL,
 * surrogates and values past U+10FFFF become U+FFFD, 0x80..0x9F map
 * through windows-1252. Controls other than tab, LF, FF and CR also
 * become U+FFFD: a feed that spells ESC as "&#27;" is broken or hostile.
 */
static uint32_t
numeric_fixup(uint32_t cp)
{
	if (cp >= 0x80 && cp <= 0x9F)
		return cp1252[cp - 0x80] ? cp1252[cp - 0x80] : REPLACEMENT;
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return REPLACEMENT;
	if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\f' &&
	    cp != '\r') || cp == 0x7F)
		return REPLACEMENT;
	return cp;
}

/* "&#123;" or "&#x7B;" at s (s[0] == '&', s[1] == '#'). */
static size_t
numeric_ref(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t i = 2, start;
	uint32_t v = 0;
	int hex = 0, d;

	if (i < n && (s[i] == 'x' || s[i] == 'X')) {
		hex = 1;
		i++;
	}
	start = i;
	for (; i < n; i++) {
		d = hex ? hexval(s[i]) : (s[i] >= '0' && s[i] <= '9' ?
		    s[i] - '0' : -1);
		if (d < 0)
			break;
		/* Saturate: any value past U+10FFFF is already invalid. */
		if (v <= 0x10FFFF)
			v = v * (hex ? 16 : 10) + (uint32_t)d;
	}
	if (i == start)
		return 0;
	/* HTML5 decodes a numeric reference without its semicolon too. */
	if (i < n && s[i] == ';')
		i++;
	*cp = numeric_fixup(v);
	return i;
}

static int
entity_cmp(const void *key, const void *elem)
{
	const struct entity *e = elem;

	return strcmp(key, e->name);
}

/*
 * "&name;" at s. Without the semicolon only HTML5's legacy names count,
 * and only where HTML5 decodes them in attribute values too (not before
 * an alphanumeric or "="), so "AT&T" and "?a=1&copy=2" survive.
 */
static size_t
named_ref(const unsigned char *s, size_t n, uint32_t *cp)
{
	char name[ENTITY_NAME_MAX + 1];
	const struct entity *e;
	size_t i, len;
	int semi;

	for (i = 1; i < n && c_isalnum(s[i]); i++)
		if (i > ENTITY_NAME_MAX)
			return 0;
	len = i - 1;
	if (len == 0)
		return 0;
	memcpy(name, s + 1, len);
	name[len] = '\0';
	semi = i < n && s[i] == ';';
	if (!semi && i < n && s[i] == '=')
		return 0;
	e = bsearch(name, entities, sizeof(entities) / sizeof(entities[0]),
	    sizeof(entities[0]), entity_cmp);
	if (e == NULL || (!semi && !e->legacy))
		return 0;
	*cp = e->cp;
	return i + semi;
}

/*
 * Decodes the reference at s (s[0] == '&') into k; an unknown or
 * malformed one is copied literally. Returns the bytes consumed.
 */
static size_t
sink_entity(struct sink *k, const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (n > 1 && s[1] == '#')
		len = numeric_ref(s, n, &cp);
	else
		len = named_ref(s, n, &cp);
	if (len == 0) {
		sink_put(k, '&');
		return 1;
	}
	sink_put(k, cp);
	return len;
}

char *
text_utf8_repair(const char *s, size_t n, size_t *nbad)
{
	const unsigned char *p = (const unsigned char *)s;
	struct sink k;
	size_t i = 0;

	sink_init(&k, NULL, 0, 0);
	while (i < n)
		i += sink_utf8(&k, p + i, n - i);
	if (nbad != NULL)
		*nbad = k.nbad;
	return sink_detach(&k);
}

int
text_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t i = 0;

	while (i < n) {
		/* Feed text is mostly ASCII: skip it eight bytes at a time
		 * (no high bit set and no zero byte in the word). */
		while (n - i >= 8) {
			uint64_t v;

			memcpy(&v, p + i, 8);
			if ((v & UINT64_C(0x8080808080808080)) ||
			    ((v - UINT64_C(0x0101010101010101)) & ~v &
			    UINT64_C(0x8080808080808080)))
				break;
			i += 8;
		}
		if (i < n && p[i] < 0x80 && p[i] != 0) {
			i++;
			continue;
		}
		if (i >= n)
			break;
		i += utf8_next(p + i, n - i, &cp);
		if (cp == UTF8_BAD || cp == 0)
			return 0;
	}
	return 1;
}

/* The length of the prefix of p[0..n) that text_clean() keeps as is. */
static size_t
clean_prefix(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t i = 0, len;

	for (;;) {
#ifdef __SSE2__
		while (n - i >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)
			    (const void *)(p + i));
			/* Signed: bytes from 0x80 up are below 0x20 too. */
			__m128i bad = _mm_andnot_si128(_mm_or_si128(
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
			    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
			unsigned m;

			bad = _mm_or_si128(bad,
			    _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
			m = (unsigned)_mm_movemask_epi8(bad);
			if (m) {
				i += (size_t)__builtin_ctz(m);
				break;
			}
			i += 16;
		}
#endif
		if (i >= n)
			return n;
		if ((p[i] >= 0x20 && p[i] < 0x7F) || p[i] == '\t' ||
		    p[i] == '\n') {
			i++;
			continue;
		}
		if (p[i] < 0x80)
			return i;
		len = utf8_next(p + i, n - i, &cp);
		if (cp == UTF8_BAD || is_control(cp))
			return i;
		i += len;
	}
}

char *
text_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	struct sink k;
	size_t i;
	char *out;

	/* Mostly clean already: check first, copy once. */
	i = clean_prefix(p, n);
	if (i == n) {
		out = xmalloc(n + 1);
		memcpy(out, s, n);
		out[n] = '\0';
		return out;
	}
	sink_init(&k, NULL, 0, STRIP_KEEP_LINES);
	if (i > 0)
		(void)buf_append(k.b, s, i);
	while (i < n)
		i += sink_utf8(&k, p + i, n - i);
	return sink_detach(&k);
}

char *
text_entities_decode(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	struct sink k;
	size_t i = 0;

	sink_init(&k, NULL, 0, 0);
	while (i < n) {
		if (p[i] == '&')
			i += sink_entity(&k, p + i, n - i);
		else
			i += sink_utf8(&k, p + i, n - i);
	}
	return sink_detach(&k);
}

static void
fold_ws(struct sink *k, const unsigned char *p, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		j = run_end(p, n, i, RUN_TEXT);
		if (j > i) {
			sink_run(k, p + i, j - i);
			i = j;
		} else
			i += sink_utf8(k, p + i, n - i);
	}
}

char *
text_fold_ws(const char *s, size_t n)
{
	struct sink k;

	sink_init(&k, NULL, 1, 0);
	fold_ws(&k, (const unsigned char *)s, n);
	return sink_detach(&k);
}

int
text_fold_ws_buf(const char *s, size_t n, struct buf *out)
{
	struct sink k;

	sink_init(&k, out, 1, 0);
	fold_ws(&k, (const unsigned char *)s, n);
	return k.err;
}

/* Position of needle (m bytes) in s[from..n), or n when absent. */
static size_t
find(const unsigned char *s, size_t n, size_t from, const char *needle,
    size_t m)
{
	size_t i;

	for (i = from; i + m <= n; i++)
		if (s[i] == (unsigned char)needle[0] &&
		    memcmp(s + i, needle, m) == 0)
			return i;
	return n;
}

/*
 * 1 if name is in the sorted set: a binary search with the comparison
 * inline (tags are short and differ early; no call per probe).
 */
static int
in_set(const char *name, const char *const *set, size_t nset)
{
	const unsigned char *a, *b;
	size_t lo = 0, hi = nset, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		a = (const unsigned char *)name;
		b = (const unsigned char *)set[mid];
		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (*a == *b)
			return 1;
		if (*a < *b)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* HTML tag names end at whitespace, "/" or ">" (HTML5 §13.2.5.8). */
static int
tag_name_char(int c)
{
	return c != ' ' && c != '\t' && c != '\n' && c != '\f' &&
	    c != '\r' && c != '/' && c != '>';
}

/*
 * Reads the tag name at s[i..n) into name, lower-cased and without a
 * namespace prefix (Atom xhtml content may say "xhtml:p"); a name too
 * long for any element we know comes back empty. Returns the end.
 */
static size_t
tag_name(const unsigned char *s, size_t n, size_t i, char name[16])
{
	size_t len = 0;
	int toolong = 0;

	for (; i < n && tag_name_char(s[i]); i++) {
		if (s[i] == ':') {
			len = 0;
			toolong = 0;
		} else if (len < 15)
			name[len++] = (char)c_tolower(s[i]);
		else
			toolong = 1;
	}
	name[toolong ? 0 : len] = '\0';
	return i;
}

/*
 * Skips the attributes of a tag from s[i] to just past its ">". A quote
 * only opens a value right after "=", as in HTML5's attribute states,
 * so "<p it's>" still ends at its ">". Returns n when the tag never
 * ends: like a browser, everything after it is dropped (HTML5
 * §13.2.5.32, EOF in tag), and the scan stays linear.
 */
static size_t
tag_skip(const unsigned char *s, size_t n, size_t i, int *selfclose)
{
	const unsigned char *e;
	unsigned char q;

	*selfclose = 0;
	while (i < n) {
		if (s[i] == '>')
			return i + 1;
		if (s[i] == '/' && i + 1 < n && s[i + 1] == '>') {
			*selfclose = 1;
			return i + 2;
		}
		if (s[i++] != '=')
			continue;
		while (i < n && (s[i] == ' ' || s[i] == '\t' ||
		    s[i] == '\n' || s[i] == '\r' || s[i] == '\f'))
			i++;
		if (i < n && (s[i] == '"' || s[i] == '\'')) {
			q = s[i];
			e = memchr(s + i + 1, q, n - i - 1);
			if (e == NULL)
				return n;
			i = (size_t)(e - s) + 1;
		}
	}
	return n;
}

/*
 * Skips the content of a hidden element up to and past "</name>",
 * matched case-insensitively as HTML5's script data end tag is. Without
 * an end tag the rest of the input is hidden, as in a browser.
 */
static size_t
hidden_skip(const unsigned char *s, size_t n, size_t i, const char *name)
{
	size_t len = strlen(name), j;
	int selfclose;

	for (; i + 2 + len <= n; i++) {
		if (s[i] != '<' || s[i + 1] != '/')
			continue;
		for (j = 0; j < len; j++)
			if (c_tolower(s[i + 2 + j]) != name[j])
				break;
		if (j < len)
			continue;
		j = i + 2 + len;
		if (j == n || !tag_name_char(s[j]))
			return tag_skip(s, n, j, &selfclose);
	}
	return n;
}

/*
 * Handles the markup starting at s[i] == '<' and returns where the text
 * resumes. "<" not followed by a tag name, "!" or "?" is text (HTML5
 * §13.2.5.6), and so, unlike in HTML5, is a "<" with no ">" anywhere
 * after it, so that "if a<b" in a title survives; last_gt is the
 * position of the input's last ">", so that check costs nothing.
 */
static size_t
html_markup(struct sink *k, const unsigned char *s, size_t n, size_t i,
    size_t last_gt, int *cdata)
{
	char name[16];
	size_t j, e;
	int end = 0, selfclose, block, hidden;

	if (n - i >= 4 && s[i + 1] == '!' && memcmp(s + i, "<!--", 4) == 0) {
		/*
		 * Searching from "<!" also ends "<!-->" and "<!--->". An
		 * unclosed comment hides the rest (HTML5 §13.2.5.43).
		 */
		e = find(s, n, i + 2, "-->", 3);
		return e == n ? n : e + 3;
	}
	if (last_gt == n || last_gt < i) {
		sink_put(k, '<');
		return i + 1;
	}
	if (n - i >= 9 && s[i + 1] == '!' &&
	    memcmp(s + i, "<![CDATA[", 9) == 0) {
		/*
		 * A feed that wraps its HTML in CDATA twice leaves the
		 * markers in the text: drop them and read on as HTML.
		 */
		*cdata = 1;
		return i + 9;
	}
	if (i + 1 < n && (s[i + 1] == '!' || s[i + 1] == '?')) {
		/* Doctype, processing instruction or bogus comment. */
		e = find(s, n, i + 2, ">", 1);
		return e == n ? n : e + 1;
	}
	j = i + 1;
	if (j < n && s[j] == '/') {
		end = 1;
		j++;
	}
	if (j >= n || !c_isalpha(s[j])) {
		sink_put(k, '<');
		return i + 1;
	}
	j = tag_name(s, n, j, name);
	j = tag_skip(s, n, j, &selfclose);
	/* One letter (p, a, b, i, ...): only "p" is in either set. */
	if (name[0] != '\0' && name[1] == '\0') {
		block = name[0] == 'p';
		hidden = 0;
	} else {
		block = in_set(name, block_tags, sizeof(block_tags) /
		    sizeof(block_tags[0]));
		hidden = !block && !end && !selfclose && in_set(name,
		    hidden_tags, sizeof(hidden_tags) / sizeof(hidden_tags[0]));
	}
	if (block)
		sink_sep(k);
	else if (hidden)
		j = hidden_skip(s, n, j, name);
	return j;
}

static void
html_to_plain(struct sink *k, const unsigned char *p, size_t n)
{
	size_t i, j, last_gt = n;
	int cdata = 0;

	for (i = n; i > 0; i--)
		if (p[i - 1] == '>') {
			last_gt = i - 1;
			break;
		}
	i = 0;
	while (i < n) {
		/* Text with no markup in it goes in one append. */
		j = run_end(p, n, i, cdata ? RUN_CDATA : RUN_HTML);
		if (j > i) {
			sink_run(k, p + i, j - i);
			i = j;
			continue;
		}
		if (p[i] == '<')
			i = html_markup(k, p, n, i, last_gt, &cdata);
		else if (p[i] == ']' && cdata && n - i >= 3 &&
		    memcmp(p + i, "]]>", 3) == 0) {
			cdata = 0;
			i += 3;
		} else if (p[i] == '&')
			i += sink_entity(k, p + i, n - i);
		else
			i += sink_utf8(k, p + i, n - i);
	}
}

char *
text_html_to_plain(const char *s, size_t n)
{
	struct sink k;

	sink_init(&k, NULL, 1, STRIP_ALL);
	html_to_plain(&k, (const unsigned char *)s, n);
	return sink_detach(&k);
}

int
text_html_to_plain_buf(const char *s, size_t n, struct buf *out)
{
	struct sink k;

	sink_init(&k, out, 1, STRIP_ALL);
	html_to_plain(&k, (const unsigned char *)s, n);
	return k.err;
}

/*
 * The terminal sanitizer. ECMA-48 §5.3 and §5.4 give the shapes
 * stripped here: CSI P...P I...I F (parameters 0x30-0x3F, intermediates
 * 0x20-0x2F, final 0x40-0x7E); the control strings OSC, DCS, SOS, PM
 * and APC, which run to ST (ESC \ or U+009C) or, as xterm also accepts
 * for OSC, BEL; and ESC I...I F for everything else.
 */

/* Past the parameters, intermediates and final byte of a CSI. */
static size_t
csi_skip(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && s[i] >= 0x30 && s[i] <= 0x3F)
		i++;
	while (i < n && s[i] >= 0x20 && s[i] <= 0x2F)
		i++;
	/* A malformed sequence ends before the byte that broke it. */
	if (i < n && s[i] >= 0x40 && s[i] <= 0x7E)
		i++;
	return i;
}

/*
 * Past a control string's terminator. The string is read as UTF-8, as
 * a terminal in UTF-8 mode does, so a 0x9C continuation byte inside a
 * character does not end it. An ESC ends it too (terminals abort the
 * string there), but is left for the caller to handle. Without a
 * terminator the rest of the input belongs to the string.
 */
static size_t
string_skip(const unsigned char *s, size_t n, size_t i)
{
	uint32_t cp;
	size_t len;

	while (i < n) {
		if (s[i] == 0x1B)
			return i + 1 < n && s[i + 1] == '\\' ? i + 2 : i;
		len = utf8_next(s + i, n - i, &cp);
		i += len;
		if (cp == 0x07 || cp == 0x9C)
			return i;
	}
	return n;
}

/* Past the ESC sequence whose ESC is at s[i - 1]. */
static size_t
esc_skip(const unsigned char *s, size_t n, size_t i)
{
	if (i == n)
		return n;
	switch (s[i]) {
	case '[':
		return csi_skip(s, n, i + 1);
	case ']':		/* OSC */
	case 'P':		/* DCS */
	case 'X':		/* SOS */
	case '^':		/* PM */
	case '_':		/* APC */
		return string_skip(s, n, i + 1);
	}
	while (i < n && s[i] >= 0x20 && s[i] <= 0x2F)
		i++;
	if (i < n && s[i] >= 0x30 && s[i] <= 0x7E)
		i++;
	return i;
}

int
text_escape_term(const char *s, size_t n, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t i = 0;
	int rc = 0;

	while (i < n && rc == 0) {
		if (p[i] == 0x1B) {
			i = esc_skip(p, n, i + 1);
			continue;
		}
		/* A raw 8-bit CSI: some terminals still honour it. */
		if (p[i] == 0x9B) {
			i = csi_skip(p, n, i + 1);
			continue;
		}
		i += utf8_next(p + i, n - i, &cp);
		if (cp == 0x9B)
			i = csi_skip(p, n, i);
		else if (cp == 0x90 || cp == 0x98 || cp == 0x9D ||
		    cp == 0x9E || cp == 0x9F)
			i = string_skip(p, n, i);
		else if (cp == UTF8_BAD)
			rc = utf8_put(out, REPLACEMENT);
		else if (cp == '\t' || cp == '\n' || cp == '\r' ||
		    cp == '\v' || cp == '\f')
			rc = buf_putc(out, ' ');
		else if (!is_control(cp) || cp == 0xFEFF)
			rc = utf8_put(out, cp);
	}
	return rc;
}

char *
text_term_safe(const char *s)
{
	struct buf b;

	if (s == NULL)
		return NULL;
	buf_init(&b, TEXT_BUF_MAX);
	(void)text_escape_term(s, strlen(s), &b);
	return buf_detach(&b);
}
