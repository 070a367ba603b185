//! ISO 3166-1 countries with their English and Dutch names, for the billing
//! address. Generated from Debian iso-codes (the codes) and ICU 78 display names
//! (`Intl.DisplayNames`), so names are the short ones people use ("South Korea").

/// One country per line, `code|English name|Dutch name`, in English
/// alphabetical order. One string rather than an array of string slices: the
/// slices' addresses made a table that compressed poorly.
pub const COUNTRIES: &str = "\
AF|Afghanistan|Afghanistan\n\
AX|Åland Islands|Åland\n\
AL|Albania|Albanië\n\
DZ|Algeria|Algerije\n\
AS|American Samoa|Amerikaans-Samoa\n\
AD|Andorra|Andorra\n\
AO|Angola|Angola\n\
AI|Anguilla|Anguilla\n\
AQ|Antarctica|Antarctica\n\
AG|Antigua & Barbuda|Antigua en Barbuda\n\
AR|Argentina|Argentinië\n\
AM|Armenia|Armenië\n\
AW|Aruba|Aruba\n\
AU|Australia|Australië\n\
AT|Austria|Oostenrijk\n\
AZ|Azerbaijan|Azerbeidzjan\n\
BS|Bahamas|Bahama's\n\
BH|Bahrain|Bahrein\n\
BD|Bangladesh|Bangladesh\n\
BB|Barbados|Barbados\n\
BY|Belarus|Belarus\n\
BE|Belgium|België\n\
BZ|Belize|Belize\n\
BJ|Benin|Benin\n\
BM|Bermuda|Bermuda\n\
BT|Bhutan|Bhutan\n\
BO|Bolivia|Bolivia\n\
BA|Bosnia & Herzegovina|Bosnië en Herzegovina\n\
BW|Botswana|Botswana\n\
BV|Bouvet Island|Bouveteiland\n\
BR|Brazil|Brazilië\n\
IO|British Indian Ocean Territory|Brits Indische Oceaanterritorium\n\
VG|British Virgin Islands|Britse Maagdeneilanden\n\
BN|Brunei|Brunei\n\
BG|Bulgaria|Bulgarije\n\
BF|Burkina Faso|Burkina Faso\n\
BI|Burundi|Burundi\n\
KH|Cambodia|Cambodja\n\
CM|Cameroon|Kameroen\n\
CA|Canada|Canada\n\
CV|Cape Verde|Kaapverdië\n\
BQ|Caribbean Netherlands|Caribisch Nederland\n\
KY|Cayman Islands|Kaaimaneilanden\n\
CF|Central African Republic|Centraal-Afrikaanse Republiek\n\
TD|Chad|Tsjaad\n\
CL|Chile|Chili\n\
CN|China|China\n\
CX|Christmas Island|Christmaseiland\n\
CC|Cocos (Keeling) Islands|Cocoseilanden\n\
CO|Colombia|Colombia\n\
KM|Comoros|Comoren\n\
CG|Congo - Brazzaville|Congo-Brazzaville\n\
CD|Congo - Kinshasa|Congo-Kinshasa\n\
CK|Cook Islands|Cookeilanden\n\
CR|Costa Rica|Costa Rica\n\
CI|Côte d'Ivoire|Ivoorkust\n\
HR|Croatia|Kroatië\n\
CU|Cuba|Cuba\n\
CW|Curaçao|Curaçao\n\
CY|Cyprus|Cyprus\n\
CZ|Czechia|Tsjechië\n\
DK|Denmark|Denemarken\n\
DJ|Djibouti|Djibouti\n\
DM|Dominica|Dominica\n\
DO|Dominican Republic|Dominicaanse Republiek\n\
EC|Ecuador|Ecuador\n\
EG|Egypt|Egypte\n\
SV|El Salvador|El Salvador\n\
GQ|Equatorial Guinea|Equatoriaal-Guinea\n\
ER|Eritrea|Eritrea\n\
EE|Estonia|Estland\n\
SZ|Eswatini|Eswatini\n\
ET|Ethiopia|Ethiopië\n\
FK|Falkland Islands|Falklandeilanden\n\
FO|Faroe Islands|Faeröer\n\
FJ|Fiji|Fiji\n\
FI|Finland|Finland\n\
FR|France|Frankrijk\n\
GF|French Guiana|Frans-Guyana\n\
PF|French Polynesia|Frans-Polynesië\n\
TF|French Southern Territories|Franse Gebieden in de zuidelijke Indische Oceaan\n\
GA|Gabon|Gabon\n\
GM|Gambia|Gambia\n\
GE|Georgia|Georgië\n\
DE|Germany|Duitsland\n\
GH|Ghana|Ghana\n\
GI|Gibraltar|Gibraltar\n\
GR|Greece|Griekenland\n\
GL|Greenland|Groenland\n\
GD|Grenada|Grenada\n\
GP|Guadeloupe|Guadeloupe\n\
GU|Guam|Guam\n\
GT|Guatemala|Guatemala\n\
GG|Guernsey|Guernsey\n\
GN|Guinea|Guinee\n\
GW|Guinea-Bissau|Guinee-Bissau\n\
GY|Guyana|Guyana\n\
HT|Haiti|Haïti\n\
HM|Heard & McDonald Islands|Heard en McDonaldeilanden\n\
HN|Honduras|Honduras\n\
HK|Hong Kong SAR China|Hongkong SAR van China\n\
HU|Hungary|Hongarije\n\
IS|Iceland|IJsland\n\
IN|India|India\n\
ID|Indonesia|Indonesië\n\
IR|Iran|Iran\n\
IQ|Iraq|Irak\n\
IE|Ireland|Ierland\n\
IM|Isle of Man|Isle of Man\n\
IL|Israel|Israël\n\
IT|Italy|Italië\n\
JM|Jamaica|Jamaica\n\
JP|Japan|Japan\n\
JE|Jersey|Jersey\n\
JO|Jordan|Jordanië\n\
KZ|Kazakhstan|Kazachstan\n\
KE|Kenya|Kenia\n\
KI|Kiribati|Kiribati\n\
KW|Kuwait|Koeweit\n\
KG|Kyrgyzstan|Kirgizië\n\
LA|Laos|Laos\n\
LV|Latvia|Letland\n\
LB|Lebanon|Libanon\n\
LS|Lesotho|Lesotho\n\
LR|Liberia|Liberia\n\
LY|Libya|Libië\n\
LI|Liechtenstein|Liechtenstein\n\
LT|Lithuania|Litouwen\n\
LU|Luxembourg|Luxemburg\n\
MO|Macao SAR China|Macau SAR van China\n\
MG|Madagascar|Madagaskar\n\
MW|Malawi|Malawi\n\
MY|Malaysia|Maleisië\n\
MV|Maldives|Maldiven\n\
ML|Mali|Mali\n\
MT|Malta|Malta\n\
MH|Marshall Islands|Marshalleilanden\n\
MQ|Martinique|Martinique\n\
MR|Mauritania|Mauritanië\n\
MU|Mauritius|Mauritius\n\
YT|Mayotte|Mayotte\n\
MX|Mexico|Mexico\n\
FM|Micronesia|Micronesia\n\
MD|Moldova|Moldavië\n\
MC|Monaco|Monaco\n\
MN|Mongolia|Mongolië\n\
ME|Montenegro|Montenegro\n\
MS|Montserrat|Montserrat\n\
MA|Morocco|Marokko\n\
MZ|Mozambique|Mozambique\n\
MM|Myanmar (Burma)|Myanmar (Birma)\n\
NA|Namibia|Namibië\n\
NR|Nauru|Nauru\n\
NP|Nepal|Nepal\n\
NL|Netherlands|Nederland\n\
NC|New Caledonia|Nieuw-Caledonië\n\
NZ|New Zealand|Nieuw-Zeeland\n\
NI|Nicaragua|Nicaragua\n\
NE|Niger|Niger\n\
NG|Nigeria|Nigeria\n\
NU|Niue|Niue\n\
NF|Norfolk Island|Norfolk\n\
KP|North Korea|Noord-Korea\n\
MK|North Macedonia|Noord-Macedonië\n\
MP|Northern Mariana Islands|Noordelijke Marianen\n\
NO|Norway|Noorwegen\n\
OM|Oman|Oman\n\
PK|Pakistan|Pakistan\n\
PW|Palau|Palau\n\
PS|Palestinian Territories|Palestijnse gebieden\n\
PA|Panama|Panama\n\
PG|Papua New Guinea|Papoea-Nieuw-Guinea\n\
PY|Paraguay|Paraguay\n\
PE|Peru|Peru\n\
PH|Philippines|Filipijnen\n\
PN|Pitcairn Islands|Pitcairneilanden\n\
PL|Poland|Polen\n\
PT|Portugal|Portugal\n\
PR|Puerto Rico|Puerto Rico\n\
QA|Qatar|Qatar\n\
RE|Réunion|Réunion\n\
RO|Romania|Roemenië\n\
RU|Russia|Rusland\n\
RW|Rwanda|Rwanda\n\
WS|Samoa|Samoa\n\
SM|San Marino|San Marino\n\
ST|São Tomé & Príncipe|Sao Tomé en Principe\n\
SA|Saudi Arabia|Saoedi-Arabië\n\
SN|Senegal|Senegal\n\
RS|Serbia|Servië\n\
SC|Seychelles|Seychellen\n\
SL|Sierra Leone|Sierra Leone\n\
SG|Singapore|Singapore\n\
SX|Sint Maarten|Sint-Maarten\n\
SK|Slovakia|Slowakije\n\
SI|Slovenia|Slovenië\n\
SB|Solomon Islands|Salomonseilanden\n\
SO|Somalia|Somalië\n\
ZA|South Africa|Zuid-Afrika\n\
GS|South Georgia & South Sandwich Islands|Zuid-Georgia en Zuidelijke Sandwicheilanden\n\
KR|South Korea|Zuid-Korea\n\
SS|South Sudan|Zuid-Soedan\n\
ES|Spain|Spanje\n\
LK|Sri Lanka|Sri Lanka\n\
BL|St. Barthélemy|Saint-Barthélemy\n\
SH|St. Helena|Sint-Helena\n\
KN|St. Kitts & Nevis|Saint Kitts en Nevis\n\
LC|St. Lucia|Saint Lucia\n\
MF|St. Martin|Saint-Martin\n\
PM|St. Pierre & Miquelon|Saint-Pierre en Miquelon\n\
VC|St. Vincent & Grenadines|Saint Vincent en de Grenadines\n\
SD|Sudan|Soedan\n\
SR|Suriname|Suriname\n\
SJ|Svalbard & Jan Mayen|Spitsbergen en Jan Mayen\n\
SE|Sweden|Zweden\n\
CH|Switzerland|Zwitserland\n\
SY|Syria|Syrië\n\
TW|Taiwan|Taiwan\n\
TJ|Tajikistan|Tadzjikistan\n\
TZ|Tanzania|Tanzania\n\
TH|Thailand|Thailand\n\
TL|Timor-Leste|Oost-Timor\n\
TG|Togo|Togo\n\
TK|Tokelau|Tokelau\n\
TO|Tonga|Tonga\n\
TT|Trinidad & Tobago|Trinidad en Tobago\n\
TN|Tunisia|Tunesië\n\
TR|Türkiye|Turkije\n\
TM|Turkmenistan|Turkmenistan\n\
TC|Turks & Caicos Islands|Turks- en Caicoseilanden\n\
TV|Tuvalu|Tuvalu\n\
UM|U.S. Outlying Islands|Kleine afgelegen eilanden van de Verenigde Staten\n\
VI|U.S. Virgin Islands|Amerikaanse Maagdeneilanden\n\
UG|Uganda|Oeganda\n\
UA|Ukraine|Oekraïne\n\
AE|United Arab Emirates|Verenigde Arabische Emiraten\n\
GB|United Kingdom|Verenigd Koninkrijk\n\
US|United States|Verenigde Staten\n\
UY|Uruguay|Uruguay\n\
UZ|Uzbekistan|Oezbekistan\n\
VU|Vanuatu|Vanuatu\n\
VA|Vatican City|Vaticaanstad\n\
VE|Venezuela|Venezuela\n\
VN|Vietnam|Vietnam\n\
WF|Wallis & Futuna|Wallis en Futuna\n\
EH|Western Sahara|Westelijke Sahara\n\
YE|Yemen|Jemen\n\
ZM|Zambia|Zambia\n\
ZW|Zimbabwe|Zimbabwe";

/// The rows of [`COUNTRIES`] as `(code, English name, Dutch name)`.
pub fn rows() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    COUNTRIES.lines().filter_map(|line| {
        let mut parts = line.split('|');
        Some((parts.next()?, parts.next()?, parts.next()?))
    })
}

/// Indices into [`COUNTRIES`] in Dutch alphabetical order.
pub const DUTCH_ORDER: [u8; 249] = [
    0, 1, 2, 3, 4, 232, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 39, 41, 43, 45, 46, 47, 48, 49, 50, 51, 52, 53,
    54, 57, 58, 59, 61, 62, 63, 64, 84, 65, 66, 67, 68, 69, 70, 71, 72, 74, 73, 75, 174, 76, 77,
    78, 79, 80, 81, 82, 83, 85, 86, 89, 87, 88, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 101, 100,
    107, 102, 103, 104, 106, 105, 108, 109, 110, 55, 111, 112, 246, 113, 114, 42, 40, 38, 115, 116,
    119, 117, 231, 118, 56, 120, 123, 121, 122, 124, 125, 126, 127, 128, 129, 130, 131, 133, 132,
    134, 135, 148, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 149, 150, 151, 152,
    154, 153, 157, 155, 156, 158, 159, 160, 162, 163, 164, 165, 161, 233, 234, 239, 166, 221, 14,
    167, 168, 169, 170, 171, 172, 173, 175, 176, 177, 178, 179, 180, 181, 182, 183, 206, 207, 210,
    204, 208, 209, 196, 184, 185, 186, 187, 188, 189, 190, 191, 192, 205, 193, 195, 194, 211, 197,
    202, 213, 203, 212, 216, 218, 217, 219, 220, 222, 223, 224, 225, 44, 60, 226, 227, 228, 229,
    230, 238, 240, 241, 242, 236, 235, 237, 243, 244, 245, 247, 248, 198, 199, 200, 201, 214, 215,
];
