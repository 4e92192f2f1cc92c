import json,sys,glob,statistics
d=sys.argv[1]
ev={}
for f in glob.glob(d+'/server-*.log'):
    for line in open(f):
        p=line.split()
        if len(p)==4: p.insert(3,"")
        st,port,room,ver,t=p
        ev.setdefault(room,[]).append((st,port,ver,float(t)))
def pct(xs,p):
    xs=sorted(xs)
    if not xs: return float('nan')
    k=(len(xs)-1)*p/100; i=int(k); j=min(i+1,len(xs)-1)
    return xs[i]+(xs[j]-xs[i])*(k-i)
rows={}
def add(k,v): rows.setdefault(k,[]).append(v)
for line in open(d+'/seeks.jsonl'):
    s=json.loads(line); sent=s['sent']; room=s['roomId']; iport=s['instUrl'].rsplit(':',1)[1]; P=s['procs']
    es=[e for e in ev.get(room,[]) if sent-1<=e[3]<=sent+3000]
    cmd=[e for e in es if e[0]=='cmd' and e[1]==iport]
    if not cmd: continue
    cmd=cmd[0]; 
    el=[e for e in es if e[0]=='emitL' and e[1]==iport and e[3]>=cmd[3]]
    if not el: continue
    el=el[0]; ver=el[2]
    tag='1p' if P==1 else '3p'
    add(f'{tag} driver send -> cmd handler', cmd[3]-sent)
    cs=[e for e in es if e[0]=='casSend' and e[2]==ver]; cb=[e for e in es if e[0]=='casBack' and e[2]==ver]
    if cs: add(f'{tag} cmd -> casSend', cs[0][3]-cmd[3])
    if cs and cb: add(f'{tag} casSend -> casBack (CAS RTT)', cb[0][3]-cs[0][3])
    if cb: add(f'{tag} casBack -> emitL', el[3]-cb[0][3])
    add(f'{tag} cmd -> emitL', el[3]-cmd[3])
    add(f'{tag} send -> emitL', el[3]-sent)
    kf=[e for e in es if e[0]=='kf' and e[1]==iport and e[2]==ver]
    if kf: add(f'{tag} emitL -> kf emitted (inst proc)', kf[0][3]-el[3])
    own=[e for e in es if e[0]=='busRecvown' and e[2]==ver]
    if own and cb: add(f'{tag} casBack -> own bus msg (inst proc)', own[0][3]-cb[0][3])
    for port in set(e[1] for e in es if e[1]!=iport):
        br=[e for e in es if e[0]=='busRecv' and e[1]==port and e[2]==ver]
        eb=[e for e in es if e[0]=='emitB' and e[1]==port and e[2]==ver]
        if br and cs: add(f'{tag} casSend -> busRecv (other)', br[0][3]-cs[0][3])
        if br and cb: add(f'{tag} busRecv(other) - casBack(inst)', br[0][3]-cb[0][3])
        if br and eb: add(f'{tag} busRecv -> emitB', eb[0][3]-br[0][3])
        if eb: add(f'{tag} send -> emitB', eb[0][3]-sent)
    emit_at={iport:el[3]}
    for port in set(e[1] for e in es if e[1]!=iport):
        eb=[e for e in es if e[0]=='emitB' and e[1]==port and e[2]==ver]
        if eb: emit_at[port]=eb[0][3]
    for g in s['got']:
        port=g['url'].rsplit(':',1)[1]
        same = port==iport
        add(f'{tag} send -> viewer ({"same" if same else "other"})', g['t']-sent)
        if port in emit_at: add(f'{tag} emit -> viewer ({"same" if same else "other"})', g['t']-emit_at[port])
for k in sorted(rows):
    v=rows[k]; print(f'{k:45s} n={len(v):4d} p50 {pct(v,50):7.2f} p90 {pct(v,90):7.2f} p99 {pct(v,99):7.2f} mean {statistics.mean(v):7.2f}')
print('--- fine (inst proc, matched version)')
fine={}
for room,es in ev.items():
    byver={}
    for e in es:
        if e[2]: byver.setdefault((e[1],e[2]),{}).setdefault(e[0],e[3])
    for (port,ver),st in byver.items():
        seq=['casSend','casQueued','casBack','updRet','preEmitL','emitL','kf']
        for a,b in zip(seq,seq[1:]):
            if a in st and b in st: fine.setdefault(f'{a}->{b}',[]).append(st[b]-st[a])
        for a,b in [('busRecv','preEmitB'),('preEmitB','emitB'),('emitB','kf')]:
            if a in st and b in st: fine.setdefault(f'{a}->{b}',[]).append(st[b]-st[a])
for k,v in fine.items(): print(f'{k:45s} n={len(v):4d} p50 {pct(v,50):7.2f} p90 {pct(v,90):7.2f} p99 {pct(v,99):7.2f}')
