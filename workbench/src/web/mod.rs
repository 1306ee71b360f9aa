//! `workbench serve`: the browser dashboard.
//!
//! The page (files under `web/`, built into the binary) talks to a small JSON API:
//!
//! ```text
//! GET  /api/labs                 the labs and their parameter schemas
//! POST /api/labs/{id}/start      JSON parameters → {"run": <id>}   (?duration=<secs> optional)
//! POST /api/runs/{run}/stop
//! GET  /api/runs/{run}/events    the live stream (server-sent events: snapshot ..., report)
//! GET  /api/runs                 what is running
//! ```
//!
//! and the course: lessons, exercises, hints and checks (see `course.rs`).
//!
//! Safety: every `/api/` request needs the server's token (see `door.rs`); it listens on
//! 127.0.0.1 unless told otherwise; it refuses any request whose `Host` is not the dashboard's
//! own (a DNS-rebinding page) or whose `Origin` is another site (a page elsewhere trying to
//! start labs on your machine); and parameters sent to it may name files only inside
//! `<data>/runs/` and addresses only on loopback (`lab_core::confine`).

mod course;
mod door;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lab_core::{LabEvent, LabRun, Params, Registry, RunOptions};
use serde::Deserialize;
use serde_json::json;

/// The dashboard's files, from the repository's `web/` folder.
#[derive(rust_embed::Embed)]
#[folder = "../web/"]
struct Assets;

/// A closed tab stops its lab after this long without anyone watching (a reload comes back
/// sooner than that and keeps the lab).
const UNWATCHED_GRACE: Duration = Duration::from_secs(5);

/// Finished runs kept so a late tab can still read their report.
const KEEP_FINISHED: usize = 10;

struct ServerState {
    registry: Registry,
    /// What parameters from the web may name.
    limits: lab_core::WebLimits,
    runs: Mutex<BTreeMap<u64, Arc<WebRun>>>,
    next_run: AtomicU64,
}

struct WebRun {
    run: LabRun,
    watchers: AtomicUsize,
}

type Shared = Arc<ServerState>;

/// How `workbench serve` was asked to run.
pub struct ServeOptions {
    pub addr: String,
    /// The token to require (`--token`, `WORKBENCH_TOKEN`); a fresh one when absent.
    pub token: Option<String>,
}

pub fn serve(registry: Registry, options: ServeOptions) -> anyhow::Result<ExitCode> {
    let addr = &options.addr;
    // A name such as localhost:7878 is looked up; the first address it has is used.
    let addr: SocketAddr = addr
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .ok_or_else(|| {
            anyhow::anyhow!("invalid --addr '{addr}': expected host:port such as 127.0.0.1:7878")
        })?;
    let token = match options.token {
        Some(token) if token.trim().is_empty() => {
            eprintln!(
                "workbench: the token is empty: give --token (or WORKBENCH_TOKEN) a secret, or leave it out for a fresh one"
            );
            return Ok(ExitCode::from(2));
        }
        Some(token)
            if !token
                .bytes()
                .all(|byte| byte.is_ascii_graphic() && byte != b';') =>
        {
            eprintln!("workbench: the token may hold only printable ASCII without spaces or ';'");
            return Ok(ExitCode::from(2));
        }
        Some(token) => token,
        None => door::new_token()?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve_async(registry, addr, token))?;
    Ok(ExitCode::SUCCESS)
}

/// The hosts a browser may name to reach a server bound to `bound`: for an address such as
/// 0.0.0.0, every address of this machine's interfaces, and its host name.
fn reachable_hosts(bound: SocketAddr) -> Vec<String> {
    let port = bound.port();
    let mut hosts = Vec::new();
    if bound.ip().is_unspecified() {
        for ip in local_addresses() {
            hosts.push(SocketAddr::new(ip, port).to_string());
        }
        if let Ok(name) = nix::unistd::gethostname()
            && let Some(name) = name.to_str()
        {
            hosts.push(format!("{name}:{port}"));
        }
    }
    hosts
}

/// Every IP address of this machine's interfaces.
fn local_addresses() -> Vec<std::net::IpAddr> {
    let Ok(interfaces) = nix::ifaddrs::getifaddrs() else {
        return Vec::new();
    };
    interfaces
        .filter_map(|interface| {
            let address = interface.address?;
            if let Some(v4) = address.as_sockaddr_in() {
                return Some(std::net::IpAddr::V4(v4.ip()));
            }
            address
                .as_sockaddr_in6()
                .map(|v6| std::net::IpAddr::V6(v6.ip()))
        })
        .collect()
}

/// Ends when the server is told to stop: Ctrl-C or SIGTERM, handled the same way.
async fn stop_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

async fn serve_async(registry: Registry, addr: SocketAddr, token: String) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|error| {
        if error.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "cannot listen on {addr}: port {} is already in use (another `workbench serve`?); stop it or pick another port with --addr 127.0.0.1:{}",
                addr.port(),
                addr.port().wrapping_add(1)
            )
        } else {
            anyhow::anyhow!("cannot listen on {addr}: {error}")
        }
    })?;
    let bound = listener.local_addr()?;
    let extra_hosts = reachable_hosts(bound);
    if !bound.ip().is_loopback() {
        let reachable = if extra_hosts.is_empty() {
            bound.to_string()
        } else {
            extra_hosts.join(", ")
        };
        eprintln!(
            "warning: listening on {bound}, which other machines can reach ({reachable}): anyone with the token can start labs here"
        );
    }
    let data = crate::data::folder()?;
    let state: Shared = Arc::new(ServerState {
        registry,
        limits: lab_core::WebLimits {
            runs_dir: crate::data::runs_folder()?,
            listening: (!bound.ip().is_loopback()).then_some(bound.ip()),
        },
        runs: Mutex::new(BTreeMap::new()),
        next_run: AtomicU64::new(1),
    });
    let shown = if bound.ip().is_unspecified() {
        SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), bound.port())
    } else {
        bound
    };
    let url = format!("http://{shown}/?token={token}");
    let token_file = door::TokenFile::write(&data, bound.port(), &url)?;
    let door = Arc::new(door::Door::new(token, bound.port()));
    let app = router(state.clone(), bound, &extra_hosts, door);
    println!(
        "workbench dashboard: {url}   (Ctrl-C to stop; the address is also in {})",
        token_file.path().display()
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(stop_signal())
        .await?;
    // Stop every lab and wait for each to free its ports.
    let runs: Vec<Arc<WebRun>> = lock_runs(&state).values().cloned().collect();
    lock_runs(&state).clear();
    tokio::task::spawn_blocking(move || {
        for web_run in &runs {
            web_run.run.stop();
        }
        for web_run in runs {
            web_run.run.wait();
        }
    })
    .await?;
    drop(token_file);
    Ok(())
}

fn lock_runs(state: &ServerState) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<WebRun>>> {
    lab_core::lock(&state.runs)
}

fn router(
    state: Shared,
    bound: SocketAddr,
    extra_hosts: &[String],
    door: Arc<door::Door>,
) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/{*path}", get(asset))
        .route("/api/labs", get(list_labs))
        .route("/api/labs/{id}/start", post(start_lab))
        .route("/api/runs", get(list_runs))
        .route("/api/runs/{run}/stop", post(stop_run))
        .route("/api/runs/{run}/events", get(run_events))
        .route("/api/runs/{run}/report", get(run_report))
        .route("/api/terms", get(course::terms))
        .route("/api/lessons", get(course::list_lessons))
        .route("/api/lessons/{topic}", get(course::get_lesson))
        .route("/api/exercises", get(course::list_exercises))
        .route("/api/exercises/{id}", get(course::get_exercise))
        .route("/api/exercises/{id}/hint", post(course::reveal_hint))
        .route("/api/exercises/{id}/check", post(course::check_exercise))
        // Layers run from the last added: the origin check first, then the token.
        .layer(axum::middleware::from_fn_with_state(
            door,
            door::require_token,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(lab_http_guard::SameOrigin::with_hosts(bound, extra_hosts)),
            lab_http_guard::refuse_cross_site,
        ))
        .with_state(state)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

async fn index() -> Response {
    asset(Path("index.html".to_string())).await
}

async fn asset(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => {
            let mime = mime_guess::from_path(&path).first_or_octet_stream();
            (
                [
                    (header::CONTENT_TYPE, mime.as_ref().to_string()),
                    (header::CACHE_CONTROL, "no-cache".to_string()),
                ],
                file.data,
            )
                .into_response()
        }
        None => error(StatusCode::NOT_FOUND, format!("no such file: {path}")),
    }
}

/// The labs with their schemas; titles, summaries and parameter help in the page's language
/// (ids, names and values stay as they are).
async fn list_labs(
    State(state): State<Shared>,
    Query(query): Query<course::LangQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    let infos: Vec<serde_json::Value> = state
        .registry
        .labs()
        .iter()
        .map(|lab| {
            let info = lab.info();
            let mut value = serde_json::to_value(&info).unwrap_or_default();
            value["title"] = crate::labs::title(lang, &info).into();
            value["summary"] = crate::labs::summary(lang, &info).into();
            for (index, spec) in info.params.iter().enumerate() {
                value["params"][index]["help"] = crate::labs::param_help(lang, &info, spec).into();
            }
            value
        })
        .collect();
    Json(infos).into_response()
}

#[derive(Deserialize)]
struct StartQuery {
    /// Text, so that a value serde cannot read as a number still gets a one-line 400.
    duration: Option<String>,
}

async fn start_lab(
    State(state): State<Shared>,
    Path(id): Path<String>,
    Query(query): Query<StartQuery>,
    body: Option<Json<serde_json::Value>>,
) -> Response {
    let Some(lab) = state.registry.find(&id) else {
        return error(
            StatusCode::NOT_FOUND,
            format!(
                "unknown lab '{id}'; valid labs: {}",
                state.registry.ids().join(", ")
            ),
        );
    };
    let info = lab.info();
    let object = match body.map(|Json(value)| value) {
        None | Some(serde_json::Value::Null) => serde_json::Map::new(),
        Some(serde_json::Value::Object(object)) => object,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "the body must be a JSON object of parameters, e.g. {\"rate\": 1000}",
            );
        }
    };
    let mut params = match Params::from_json(info.id, &info.params, &object) {
        Ok(params) => params,
        Err(problem) => return error(StatusCode::BAD_REQUEST, problem.to_string()),
    };
    if let Err(problem) = params.confine(&info.params, &state.limits) {
        return error(StatusCode::BAD_REQUEST, problem.to_string());
    }
    if let Err(problem) = lab.validate(&params) {
        return error(StatusCode::BAD_REQUEST, problem);
    }
    let duration = match query.duration.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match text.parse().ok().and_then(lab_core::seconds::positive) {
            Some(duration) => Some(duration),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "invalid duration '{text}': expected {}",
                        lab_core::seconds::expected()
                    ),
                );
            }
        },
    };
    let run = LabRun::start(
        lab,
        params,
        RunOptions {
            duration,
            ..RunOptions::default()
        },
    );
    let run_id = state.next_run.fetch_add(1, Ordering::Relaxed);
    let mut runs = lock_runs(&state);
    // Keep the last few finished runs for late viewers; forget older ones.
    let finished: Vec<u64> = runs
        .iter()
        .filter(|(_, web_run)| web_run.run.is_finished())
        .map(|(id, _)| *id)
        .collect();
    for id in finished
        .iter()
        .take(finished.len().saturating_sub(KEEP_FINISHED))
    {
        runs.remove(id);
    }
    let web_run = Arc::new(WebRun {
        run,
        watchers: AtomicUsize::new(0),
    });
    runs.insert(run_id, web_run.clone());
    drop(runs);
    // A lab nobody ever watches is stopped too, as one whose last tab closed.
    stop_unless_watched_soon(web_run);
    Json(json!({ "run": run_id, "lab": info.id })).into_response()
}

async fn list_runs(State(state): State<Shared>) -> Response {
    let runs: Vec<_> = lock_runs(&state)
        .iter()
        .map(|(id, web_run)| {
            json!({
                "run": id,
                "lab": web_run.run.info().id,
                "running": !web_run.run.is_finished(),
                "params": web_run.run.params(),
            })
        })
        .collect();
    Json(runs).into_response()
}

fn find_run(state: &ServerState, run: u64) -> Option<Arc<WebRun>> {
    lock_runs(state).get(&run).cloned()
}

fn no_such_run(run: u64) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("no run {run}; see GET /api/runs"),
    )
}

async fn stop_run(State(state): State<Shared>, Path(run): Path<u64>) -> Response {
    let Some(web_run) = find_run(&state, run) else {
        return no_such_run(run);
    };
    web_run.run.stop();
    Json(json!({ "run": run, "stopping": true })).into_response()
}

/// The run as one HTML page to keep (see `run_report`), from the events the run still holds,
/// in the page's language; sent as a download.
async fn run_report(
    State(state): State<Shared>,
    Path(run): Path<u64>,
    Query(query): Query<course::LangQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let Some(web_run) = find_run(&state, run) else {
        return no_such_run(run);
    };
    let lang = query.lang(&headers);
    match crate::run_report::render(&web_run.run.history(), &state.registry, lang) {
        Ok(page) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}-run-{run}.html\"",
                        web_run.run.info().id
                    ),
                ),
            ],
            page,
        )
            .into_response(),
        Err(problem) => error(StatusCode::CONFLICT, format!("{problem:#}")),
    }
}

/// Counts a watcher of a run for as long as its stream lives; the last one to leave starts
/// the grace period after which an unwatched lab is stopped.
struct Watching(Arc<WebRun>);

impl Watching {
    fn new(web_run: Arc<WebRun>) -> Watching {
        web_run.watchers.fetch_add(1, Ordering::SeqCst);
        Watching(web_run)
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        if self.0.watchers.fetch_sub(1, Ordering::SeqCst) == 1 {
            stop_unless_watched_soon(self.0.clone());
        }
    }
}

/// Stops the run if nobody watches it after the grace period.
fn stop_unless_watched_soon(web_run: Arc<WebRun>) {
    // Called inside the server's runtime: a timer task can be spawned.
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            tokio::time::sleep(UNWATCHED_GRACE).await;
            if web_run.watchers.load(Ordering::SeqCst) == 0 {
                web_run.run.stop();
            }
        });
    }
}

async fn run_events(State(state): State<Shared>, Path(run): Path<u64>) -> Response {
    let Some(web_run) = find_run(&state, run) else {
        return no_such_run(run);
    };
    let subscription = web_run.run.subscribe();
    let watching = Watching::new(web_run);
    let stream = futures_util::stream::unfold(
        (subscription, watching),
        |(mut subscription, watching)| async move {
            let event = subscription.next().await?;
            let kind = match event {
                LabEvent::Snapshot(_) => "snapshot",
                LabEvent::Report(_) => "report",
            };
            let sse = Event::default()
                .event(kind)
                .json_data(&event)
                .unwrap_or_else(|_| Event::default().event("error").data("unserializable event"));
            Some((Ok::<_, Infallible>(sse), (subscription, watching)))
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}
