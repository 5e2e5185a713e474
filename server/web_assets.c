/*
 * web_assets.c - the login page's stylesheet and script, compiled in
 * (no external resources: the Content-Security-Policy allows only this
 * server's /static/ files, no inline style or script).
 *
 * Colours meet WCAG 2.1 AA (1.4.3 text 4.5:1, 1.4.11 focus and controls
 * 3:1): text #1a1d23 and muted #4a5262 on white, white on the button blue
 * #1f4fd1 (6.3:1), error #a4161a on #fdecec; the focus ring #111827
 * (3 px, 16:1 against the white card).  Layout down to 320 px.
 * The script only improves the waiting page (countdown, long-poll of
 * /wait/status) and the CAPTCHA refresh; every step works without it.
 */
#include <string.h>

#include "web.h"

static const char css[] =
":root{--fg:#1a1d23;--muted:#4a5262;--bg:#eef1f6;--card:#fff;"
"--blue:#1f4fd1;--blue-dark:#173c9f;--line:#c9cfda;--err:#a4161a;"
"--err-bg:#fdecec;--ok:#14632f;--focus:#111827}\n"
"*{box-sizing:border-box}\n"
"html{font-size:100%;-webkit-text-size-adjust:100%}\n"
"body{margin:0;background:var(--bg);color:var(--fg);"
"font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\","
"sans-serif}\n"
".bar{background:#101828;color:#fff;padding:.75rem 1.25rem}\n"
".brand{font-weight:700;letter-spacing:.02em}\n"
".card{background:var(--card);max-width:30rem;margin:2rem auto;"
"padding:2rem;border-radius:.75rem;box-shadow:0 1px 3px rgba(16,24,40,.12),"
"0 8px 24px rgba(16,24,40,.06)}\n"
"h1{font-size:1.625rem;line-height:1.25;margin:0 0 .75rem}\n"
"p{margin:0 0 1rem}\n"
".intro{color:var(--muted)}\n"
".field{margin:0 0 1.25rem}\n"
"label,.label{display:block;font-weight:600;margin:0 0 .375rem}\n"
".hint{color:var(--muted);font-size:.875rem;margin:.375rem 0 0}\n"
"input[type=text],input[type=password]{display:block;width:100%;"
"font:inherit;padding:.625rem .75rem;border:2px solid #6b7385;"
"border-radius:.375rem;background:#fff;color:var(--fg)}\n"
"input[aria-invalid=true]{border-color:var(--err)}\n"
"a{color:var(--blue)}\n"
"a:hover{color:var(--blue-dark)}\n"
":focus-visible{outline:3px solid var(--focus);outline-offset:2px}\n"
"input:focus-visible{outline:3px solid var(--focus);outline-offset:1px;"
"border-color:var(--blue)}\n"
"button,.button{display:inline-block;font:inherit;font-weight:600;"
"padding:.7rem 1.4rem;border-radius:.375rem;border:2px solid var(--blue);"
"cursor:pointer;text-decoration:none;text-align:center}\n"
".primary{background:var(--blue);color:#fff;width:100%}\n"
".primary:hover{background:var(--blue-dark);border-color:var(--blue-dark);"
"color:#fff}\n"
".secondary{background:#fff;color:var(--blue)}\n"
".secondary:hover{background:#eef2fd}\n"
".alert{background:var(--err-bg);color:var(--err);border-left:4px solid "
"var(--err);padding:.75rem 1rem;border-radius:.25rem;margin:0 0 1.25rem}\n"
".alert p{margin:0}\n"
".captcha-img{display:block;border:1px solid var(--line);"
"border-radius:.375rem;max-width:100%;height:auto;margin:0 0 .5rem}\n"
".links{font-size:.875rem;margin:0 0 .5rem}\n"
".links a{display:inline-block;margin:0 1rem .25rem 0}\n"
".ticket-box{text-align:center;border:2px solid var(--line);"
"border-radius:.75rem;padding:1rem .5rem 1.25rem;margin:0 0 1.25rem}\n"
".ticket{font-family:\"DejaVu Sans Mono\",ui-monospace,Menlo,Consolas,"
"monospace;font-size:3rem;line-height:1.1;font-weight:700;margin:0;"
"letter-spacing:.06em;word-spacing:0;white-space:nowrap}\n"
".ticket .grp{display:inline-block;margin:0 .35em}\n"
".phone{margin:0 0 1.25rem}\n"
".screen{background:#10241a;color:#d7f5dd;border-radius:.5rem;"
"padding:.75rem 1rem;font-family:\"DejaVu Sans Mono\",ui-monospace,"
"monospace;overflow-wrap:anywhere}\n"
".screen p{margin:0}\n"
".facts{display:flex;flex-wrap:wrap;gap:.25rem 1.5rem;margin:0 0 1rem}\n"
".facts div{min-width:8rem}\n"
".facts dt{color:var(--muted);font-size:.875rem}\n"
".facts dd{margin:0;font-weight:600;font-size:1.125rem}\n"
".status{font-weight:600;margin:0 0 .75rem}\n"
".steps{list-style:none;padding:0;margin:0 0 1.5rem;display:flex;"
"gap:.5rem;flex-wrap:wrap}\n"
".steps li{flex:1 1 5rem;font-size:.8125rem;padding:.375rem .5rem;"
"border-radius:.25rem;background:#f2f4f7;color:var(--muted);"
"border-top:4px solid var(--line)}\n"
".steps li.done{border-top-color:var(--ok);color:var(--fg)}\n"
".steps li.now{border-top-color:var(--blue);color:var(--fg);"
"font-weight:600}\n"
".sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;"
"overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}\n"
".words{font-size:1.25rem;padding-left:1.5rem}\n"
".words li{margin:0 0 .25rem}\n"
".foot{max-width:30rem;margin:0 auto 2rem;padding:0 1rem;color:var(--muted);"
"font-size:.8125rem;text-align:center}\n"
"form.inline{margin:0}\n"
"@media (max-width:480px){.card{margin:0;border-radius:0;padding:1.25rem 1rem;"
"box-shadow:none}.ticket{font-size:2.4rem}.bar{padding:.625rem 1rem}"
".foot{margin-top:1rem}}\n"
"@media (prefers-reduced-motion:no-preference){.spin{display:inline-block;"
"width:.9em;height:.9em;margin-right:.5em;vertical-align:-.1em;"
"border:2px solid var(--line);border-top-color:var(--blue);"
"border-radius:50%;animation:r 1s linear infinite}"
"@keyframes r{to{transform:rotate(360deg)}}}\n";

/*
 * The waiting page: data-* attributes of #wait carry the server's clock,
 * the expiry and the progress; the script counts down and long-polls
 * /wait/status?since=PROGRESS, which answers when the progress changes
 * (or after timeoutMs).  When it says done, the page reloads /wait, where
 * the server renders step 3.  Errors back off and retry; the
 * <noscript> refresh covers browsers without JavaScript.
 */
static const char js[] =
"(function(){'use strict';\n"
"var w=document.getElementById('wait');\n"
"if(w){\n"
" var skew=Date.now()-Number(w.dataset.now),exp=Number(w.dataset.expires),\n"
"  pr=w.dataset.progress,left=document.getElementById('left'),\n"
"  st=document.getElementById('status-text'),order=['sending','sent',"
"'delivered','checking','done'];\n"
" var tick=function(){var s=Math.max(0,Math.round((exp-(Date.now()-skew))"
"/1000));left.textContent=String(s);if(s>0)setTimeout(tick,1000);"
"else setTimeout(go,1500);};\n"
" tick();\n"
" var mark=function(p){var i=order.indexOf(p),li=document.querySelectorAll("
"'.steps li');for(var k=0;k<li.length;k++){li[k].className=k+1<i?'done':"
"(k+1===i?'now':'');}};\n"
" var leaving=false;document.addEventListener('submit',function(){"
"leaving=true;});\n"
" var go=function(){if(!leaving)location.replace('/wait');};\n"
" var poll=function(delay){setTimeout(function(){\n"
"  fetch('/wait/status?since='+encodeURIComponent(pr)+'&timeoutMs=25000',"
"{credentials:'same-origin',cache:'no-store'})\n"
"  .then(function(r){if(!r.ok)throw new Error(r.status);return r.json();})\n"
"  .then(function(j){if(j.progress==='done'||j.progress==='gone'){"
"go();return;}\n"
"   if(j.progress!==pr){pr=j.progress;st.textContent=j.label;mark(pr);}\n"
"   if(!leaving)poll(0);})\n"
"  .catch(function(){poll(2000);});},delay);};\n"
" poll(0);\n"
"}\n"
"var n=document.getElementById('captcha-new'),"
"img=document.getElementById('captcha-img');\n"
"if(n&&img){n.addEventListener('click',function(e){e.preventDefault();"
"img.src='/captcha.png?new=1&r='+Date.now();"
"var f=document.getElementById('captcha');if(f){f.value='';f.focus();}});}\n"
"})();\n";

static const struct web_asset assets[] = {
	{ "/static/web.css", "text/css; charset=utf-8", css, sizeof(css) - 1 },
	{ "/static/web.js", "text/javascript; charset=utf-8", js,
	    sizeof(js) - 1 },
};

const struct web_asset *
web_asset_find(const char *path)
{
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		if (strcmp(assets[i].path, path) == 0)
			return &assets[i];
	return NULL;
}
