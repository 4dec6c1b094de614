fn main() {
    let path = std::env::args().nth(1).unwrap();
    let data = std::fs::read(&path).unwrap();
    match pprof_model::decode(&data) {
        Ok(p) => print!("{}", p.to_raw_string()),
        Err(e) => eprintln!("{path}: {e}"),
    }
}
